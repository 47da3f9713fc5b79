#!/usr/bin/env bun
import { parseArgs } from "node:util";
import { checkConfigCommand } from "./cli/check-config.ts";
import { initCommand } from "./cli/init.ts";
import { keysCommand } from "./cli/keys.ts";
import { runCommand } from "./cli/run.ts";
import { tokenCommand } from "./cli/token.ts";
import { USAGE, UsageError } from "./cli/usage.ts";
import { versionCommand } from "./cli/version.ts";
import { ConfigError } from "./config/load.ts";

const OPTIONS = {
  config: { type: "string" },
  role: { type: "string" },
  name: { type: "string" },
  expires: { type: "string" },
  ttl: { type: "string" },
  user: { type: "string" },
  json: { type: "boolean" },
  "admin-key-file": { type: "string" },
  "mediamtx-template": { type: "string" },
  "mediamtx-config": { type: "string" },
  tls: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    return usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === "help" || command === undefined) {
    console.log(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  try {
    switch (command) {
      case "run":
        expectArgs(rest, 0);
        await runCommand(values.config);
        return -1;
      case "check-config": {
        const [file] = expectArgs(rest, 1, "check-config needs the FILE to check");
        await checkConfigCommand(file ?? "");
        return 0;
      }
      case "init":
        expectArgs(rest, 0);
        await initCommand(values);
        return 0;
      case "version":
        expectArgs(rest, 0);
        versionCommand();
        return 0;
      case "keys":
        await keysCommand(rest[0], rest[1], values);
        return 0;
      case "token":
        expectArgs(rest, 0);
        await tokenCommand(values);
        return 0;
      default:
        return usage(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message);
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 1;
    }
    console.error(`camera-agent: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

function expectArgs(args: string[], count: number, message = "unexpected arguments"): string[] {
  if (args.length !== count) throw new UsageError(message);
  return args;
}

function usage(problem: string): number {
  console.error(`camera-agent: ${problem}\n\n${USAGE}`);
  return 2;
}

const status = await main(Bun.argv.slice(2));
// `run` keeps the process alive until a signal; every other command ends here.
if (status >= 0) process.exit(status);
