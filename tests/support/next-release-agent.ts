// "The next release" of the agent for the A/B update scenarios in QEMU: today's source with
// one more database migration, as the first release that changes the schema will have, and a
// failure right after it migrated, as a bad release would. Installed by a rigged bundle, it
// proves that the old version starts healthy on the database the new one moved forward
// (docs/update.md, "Data across updates"). Built from a patched copy of agent/, never shipped.
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MIGRATIONS } from "../../agent/src/state/database.ts";
import { checkoutBuildInfo, compileAgent } from "../../scripts/build.ts";

const REPO = join(import.meta.dir, "../..");
/** Inside the checkout, so the copy resolves the same node_modules. */
const WORK = join(REPO, "tests/.tmp/next-release");

/** The schema version the next release writes. */
export const NEXT_SCHEMA_VERSION = MIGRATIONS.length + 1;
export const NEXT_RELEASE_FAILURE =
  "next release (update test rig): fails to start after migrating its database";

function patch(file: string, anchor: string, replacement: (anchor: string) => string): void {
  const text = readFileSync(file, "utf8");
  const at = text.indexOf(anchor);
  // The rig must not silently stop doing its job when the source moves on.
  if (at < 0) throw new Error(`next-release agent: ${file} no longer contains ${anchor}`);
  writeFileSync(file, text.slice(0, at) + replacement(anchor) + text.slice(at + anchor.length));
}

/** Builds the next release's x86-64 binary (baseline, as the image's) into `outfile`. */
export function buildNextReleaseAgent(outfile: string, version: string): void {
  rmSync(WORK, { recursive: true, force: true });
  try {
    cpSync(join(REPO, "agent"), join(WORK, "agent"), { recursive: true });
    for (const file of ["package.json", "tsconfig.json"]) {
      cpSync(join(REPO, file), join(WORK, file));
    }
    const database = join(WORK, "agent/src/state/database.ts");
    const text = readFileSync(database, "utf8");
    const end = text.indexOf("\n];\n", text.indexOf("export const MIGRATIONS"));
    if (end < 0) throw new Error(`next-release agent: no MIGRATIONS list in ${database}`);
    writeFileSync(
      database,
      `${text.slice(0, end)}\n  "CREATE TABLE next_release (id TEXT PRIMARY KEY)",${text.slice(end)}`,
    );
    patch(
      join(WORK, "agent/src/agent.ts"),
      'const db = openDatabase(join(config.state.dir, "agent.db"), MIGRATIONS, log);',
      (anchor) => `${anchor}\n  throw new Error(${JSON.stringify(NEXT_RELEASE_FAILURE)});`,
    );
    compileRelease(outfile, version, join(WORK, "agent/src/main.ts"), WORK);
  } finally {
    rmSync(WORK, { recursive: true, force: true });
  }
}

/** Today's agent as another release: the x86-64 binary (baseline) reporting `version`. */
export function buildAgentRelease(outfile: string, version: string): void {
  compileRelease(outfile, version);
}

/** Built as a release is (scripts/build.ts), reporting `version`. */
function compileRelease(outfile: string, version: string, entry?: string, cwd?: string): void {
  compileAgent({
    arch: "x64",
    outfile,
    entry,
    cwd,
    info: { ...checkoutBuildInfo(), CAMERA_AGENT_VERSION: version },
  });
}
