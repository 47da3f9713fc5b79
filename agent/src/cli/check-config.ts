import { loadConfig } from "../config/load.ts";

export async function checkConfigCommand(file: string): Promise<void> {
  await loadConfig({ file });
  console.log(`${file}: OK`);
}
