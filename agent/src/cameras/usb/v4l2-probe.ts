import { execa } from "execa";
import type { Capabilities } from "../types.ts";
import { ProbeParseError, parseV4l2Info } from "./v4l2-info.ts";

export type ProbeResult =
  | { ok: true; capabilities: Capabilities }
  | { ok: false; reason: ProbeFailure; message: string; stillRunning?: Promise<unknown> };

export type ProbeFailure =
  | "busy"
  | "permission_denied"
  | "gone"
  | "timeout"
  | "unparsable"
  | "tool_missing"
  | "failed";

/**
 * One `v4l2-ctl --info --list-formats-ext` run. It answers at the deadline even if the process
 * can't be reaped (a driver stuck in an ioctl ignores SIGKILL until it returns); then
 * `stillRunning` settles when the process is finally gone.
 */
export async function probeDevice(
  command: string,
  devicePath: string,
  timeoutMs: number,
): Promise<ProbeResult> {
  const child = execa(command, ["--device", devicePath, "--info", "--list-formats-ext"], {
    reject: false,
    stdin: "ignore",
    encoding: "utf8",
    maxBuffer: 4 * 1024 * 1024,
  });
  let timer: Timer | undefined;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const result = await Promise.race([child, deadline]);
  clearTimeout(timer);
  if (result === "timeout") {
    child.kill("SIGKILL");
    return {
      ok: false,
      reason: "timeout",
      message: `probe timed out after ${timeoutMs} ms`,
      stillRunning: child,
    };
  }
  if ((result as { code?: string }).code === "ENOENT") {
    return {
      ok: false,
      reason: "tool_missing",
      message: `${command} not found (install v4l-utils)`,
    };
  }
  const stderr = String(result.stderr ?? "");
  if (result.exitCode !== 0)
    return { ok: false, reason: classify(stderr), message: firstLine(stderr) || "probe failed" };
  try {
    return { ok: true, capabilities: parseV4l2Info(String(result.stdout ?? "")) };
  } catch (error) {
    if (!(error instanceof ProbeParseError)) throw error;
    return { ok: false, reason: "unparsable", message: error.message };
  }
}

function classify(stderr: string): ProbeFailure {
  if (/Device or resource busy|EBUSY/i.test(stderr)) return "busy";
  if (/Permission denied|EACCES|EPERM/i.test(stderr)) return "permission_denied";
  if (/No such file or directory|No such device|ENODEV|ENOENT/i.test(stderr)) return "gone";
  return "failed";
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0]?.trim() ?? "";
}
