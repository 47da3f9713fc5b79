import { dlopen, FFIType, ptr } from "bun:ffi";
import type { Logger } from "../log/logger.ts";

/** The sd_notify messages the agent sends; a no-op outside systemd (no NOTIFY_SOCKET). */
export interface ServiceManager {
  ready(status: string): void;
  status(status: string): void;
  watchdog(): void;
  stopping(): void;
  /** Half of WatchdogSec when systemd asked for pings, else undefined. */
  readonly watchdogIntervalMs: number | undefined;
}

type Send = (message: string) => void;

/**
 * libsystemd's sd_notify through bun:ffi: Bun's sockets cannot send unix datagrams, and
 * `systemd-notify` as a child would need NotifyAccess=all.
 */
export function serviceManager(
  env: Record<string, string | undefined>,
  log: Logger,
): ServiceManager {
  const send = env.NOTIFY_SOCKET ? libsystemdSend(log) : undefined;
  const notify = (message: string) => send?.(message);
  const usec = Number(env.WATCHDOG_USEC);
  const forUs = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === process.pid;
  return {
    ready: (status) => notify(`READY=1\nSTATUS=${oneLine(status)}\nMAINPID=${process.pid}`),
    status: (status) => notify(`STATUS=${oneLine(status)}`),
    watchdog: () => notify("WATCHDOG=1"),
    stopping: () => notify("STOPPING=1\nSTATUS=stopping"),
    watchdogIntervalMs:
      send && forUs && usec > 0 ? Math.max(100, Math.floor(usec / 2000)) : undefined,
  };
}

function libsystemdSend(log: Logger): Send | undefined {
  try {
    const library = dlopen("libsystemd.so.0", {
      sd_notify: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
    });
    return (message) => {
      const result = library.symbols.sd_notify(0, ptr(Buffer.from(`${message}\0`)));
      if (result < 0) log.warn({ errno: -result }, "sd_notify failed");
    };
  } catch (error) {
    log.warn(
      { err: error },
      "NOTIFY_SOCKET is set but libsystemd.so.0 cannot be loaded; systemd gets no notifications",
    );
    return undefined;
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
