import { basename, join } from "node:path";

/**
 * `bun build --compile` of one bench program (a floor server beside the agent) into `outDir`;
 * returns the binary's path. Compiled, so it pays the same runtime start and mappings as the
 * agent's binary and the two compare fairly.
 */
export function compileBenchProgram(source: string, outDir: string): string {
  const outfile = join(outDir, basename(source, ".ts"));
  const result = Bun.spawnSync(
    [process.execPath, "build", "--compile", source, "--outfile", outfile],
    { stderr: "pipe" },
  );
  if (result.exitCode !== 0) {
    throw new Error(`building ${basename(source)} failed: ${result.stderr.toString()}`);
  }
  return outfile;
}
