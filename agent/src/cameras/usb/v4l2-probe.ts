import { execa } from "execa";
import type { Capabilities } from "../types.ts";
import { ProbeParseError, parseV4l2Info } from "./v4l2-info.ts";

export type ProbeResult =
  | { ok: true; capabilities: Capabilities }
  | { ok: false; reason: ProbeFailure; message: string };

export type ProbeFailure =
  | "busy"
  | "permission_denied"
  | "gone"
  | "timeout"
  | "unparsable"
  | "tool_missing"
  | "failed";

/** One `v4l2-ctl --info --list-formats-ext` run, killed if it outlives the timeout. */
export async function probeDevice(
  command: string,
  devicePath: string,
  timeoutMs: number,
): Promise<ProbeResult> {
  const result = await execa(command, ["--device", devicePath, "--info", "--list-formats-ext"], {
    timeout: timeoutMs,
    killSignal: "SIGKILL",
    reject: false,
    stdin: "ignore",
    encoding: "utf8",
    maxBuffer: 4 * 1024 * 1024,
  });
  if (result.timedOut)
    return { ok: false, reason: "timeout", message: `probe timed out after ${timeoutMs} ms` };
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
