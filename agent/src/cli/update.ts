import { execa } from "execa";
import { createBackup } from "../backup/backup-archive.ts";
import { buildInfo } from "../build-info.ts";
import { configurationDirectory } from "../config/systemd-directories.ts";
import { installBundle } from "../update/install-bundle.ts";
import { readUpdateStatus, type UpdateStatus } from "../update/update-status.ts";
import { configFor } from "./cli-config.ts";
import { UsageError } from "./usage.ts";

function describe(status: UpdateStatus): string {
  if (!status.supported) return status.reason;
  const lines = [
    `booted: ${status.booted_slot} (${status.compatible}); next boot: ${status.next_boot_slot}${status.trial_pending ? ` (trial of ${status.trial_pending}, not committed yet)` : ""}`,
    ...status.slots.map(
      (slot) =>
        `  ${slot.name}: ${slot.state}${slot.booted ? ", booted" : ""}, version ${slot.version ?? "factory image"}${slot.installed_at ? `, installed ${slot.installed_at}` : ""}`,
    ),
  ];
  const last = status.last_result;
  lines.push(
    last
      ? `last update: ${last.slot} ${last.result} at ${last.at}: ${last.reason}`
      : "last update: none",
  );
  return lines.join("\n");
}

export interface UpdateOptions {
  json?: boolean;
  reboot?: boolean;
  config?: string;
}

/**
 * `update install BUNDLE`: the same checks and install as the API's install_update, run
 * locally (as root), so a device whose agent is down can still be updated: a config backup,
 * the bundle checked completely, RAUC's progress on stderr, then a reboot if asked. With
 * --json, the A/B state after the install (as `update status --json`) is the output: a
 * script checking what was written needs no second start of this binary (seconds on a Pi).
 */
async function install(path: string, options: UpdateOptions): Promise<void> {
  const before = await readUpdateStatus();
  if (!before.supported) throw new Error(before.reason);
  const { config, file } = await configFor(options.config);
  const backup = await createBackup(
    { config, configFile: file, configDir: configurationDirectory(process.env) },
    { agentVersion: buildInfo.version },
  );
  console.error(`backed up the configuration: ${backup.path}`);
  const info = await installBundle(path, ({ percent, step }) =>
    console.error(`${String(percent).padStart(3)}% ${step}`),
  );
  const after = await readUpdateStatus();
  const slot = after.supported ? after.next_boot_slot : "the other slot";
  const installed = `installed ${info.version} into ${slot}; the next boot tries it once`;
  if (options.json) {
    console.error(installed);
    console.log(JSON.stringify(after, null, 2));
  } else {
    console.log(installed);
  }
  if (options.reboot) await execa("systemctl", ["reboot"]);
}

export async function updateCommand(args: string[], options: UpdateOptions): Promise<void> {
  const [action, ...rest] = args;
  if (action === "status") {
    if (rest.length > 0) throw new UsageError(`unexpected argument: ${rest.join(" ")}`);
    const status = await readUpdateStatus();
    console.log(options.json ? JSON.stringify(status, null, 2) : describe(status));
    return;
  }
  if (action === "install") {
    const [path] = rest;
    if (path === undefined || rest.length > 1 || !path.startsWith("/")) {
      throw new UsageError("update install needs the bundle's absolute path");
    }
    await install(path, options);
    return;
  }
  throw new UsageError("update needs status or install");
}
