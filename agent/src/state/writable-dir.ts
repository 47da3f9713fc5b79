import { constants } from "node:fs";
import { access, mkdir } from "node:fs/promises";

/**
 * Creates the directory a config key names, if needed, and checks that this user can write
 * it. The error says which key and environment variable set it and how to fix it, instead
 * of a bare EACCES from whatever touches the directory first.
 */
export async function ensureWritableDir(dir: string, key: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o750 });
    await access(dir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    const variable = `CAMERA_AGENT_${key.replaceAll(".", "_").toUpperCase()}`;
    const uid = process.getuid?.() ?? "?";
    throw new Error(
      [
        `${key} ${dir} cannot be written by this user (uid ${uid}): ${code}.`,
        `Set ${key} in the config file, or ${variable}, to a directory this user can write`,
        "(from a checkout, npm start keeps its state in .state/), or run the agent as its",
        "service user (systemctl start camera-agent)",
      ].join(" "),
    );
  }
}
