#!/usr/bin/env bun
import { parseArgs } from "node:util";
import { USAGE, UsageError } from "./cli/usage.ts";
import { versionCommand } from "./cli/version.ts";
import { ConfigError } from "./config/load.ts";

// Each command's code is loaded when that command runs: `run` starts without evaluating
// backup, init, key and TLS code it never uses (start time and memory, issue 18).

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
  output: { type: "string" },
  "passphrase-file": { type: "string" },
  "dry-run": { type: "boolean" },
  "ready-timeout": { type: "string" },
  reboot: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const;

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    return usage(argumentProblem(error));
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.version && command === undefined) {
    versionCommand();
    return 0;
  }
  if (values.help || command === "help") {
    console.log(USAGE);
    return 0;
  }
  if (command === undefined) return usage("which command? (run, check-config, init, keys, …)");
  try {
    switch (command) {
      case "run":
        expectArgs(rest, 0);
        await (await import("./cli/run.ts")).runCommand(values.config);
        return -1;
      case "check-config": {
        const [file] = expectArgs(rest, 1, "check-config needs the FILE to check");
        await (await import("./cli/check-config.ts")).checkConfigCommand(file ?? "");
        return 0;
      }
      case "init":
        expectArgs(rest, 0);
        await (await import("./cli/init.ts")).initCommand(values);
        return 0;
      case "version":
        expectArgs(rest, 0);
        versionCommand();
        return 0;
      case "keys":
        await (await import("./cli/keys.ts")).keysCommand(rest[0], rest[1], values);
        return 0;
      case "backup":
        await (await import("./cli/backup.ts")).backupCommand(rest, values);
        return 0;
      case "update":
        await (await import("./cli/update.ts")).updateCommand(rest, values);
        return 0;
      case "token":
        expectArgs(rest, 0);
        await (await import("./cli/token.ts")).tokenCommand(values);
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

function expectArgs(args: string[], count: number, message?: string): string[] {
  if (args.length === count) return args;
  throw new UsageError(
    message ??
      `unexpected argument${args.length - count > 1 ? "s" : ""}: ${args.slice(count).join(" ")}`,
  );
}

/** A usage error is its one-line cause and where the full usage is; exit status 2. */
function usage(problem: string): number {
  console.error(`camera-agent: ${problem}\nRun "camera-agent --help" for commands and options.`);
  return 2;
}

/** node:util parseArgs' error, in one line of our own words. */
function argumentProblem(error: unknown): string {
  const { code, message } = error as { code?: string; message: string };
  const option = /'(-[^']*)'/.exec(message)?.[1]?.replace(/^(--?[\w-]+).*$/, "$1");
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${option ?? message}`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return option && /argument missing|requires a value/.test(message)
        ? `option ${option} needs a value`
        : `option ${option ?? ""} takes no value`;
    default:
      return message.split("\n")[0] ?? message;
  }
}

// No top-level await: the binary is compiled to bytecode, which needs a CommonJS-shaped entry.
void main(Bun.argv.slice(2)).then((status) => {
  // `run` keeps the process alive until a signal; every other command ends here.
  if (status >= 0) process.exit(status);
});
