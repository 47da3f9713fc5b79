import { startAgent } from "../agent.ts";
import { configurationDirectory } from "../config/systemd-directories.ts";
import { createLogger } from "../log/logger.ts";
import { serviceManager } from "../systemd/notify.ts";
import { configFor } from "./cli-config.ts";

export async function runCommand(configPath: string | undefined): Promise<void> {
  const { config, file } = await configFor(configPath);
  const log = createLogger(config.log.level);
  process.on("uncaughtException", (error) => {
    log.fatal({ err: error }, "uncaught exception; exiting so the supervisor restarts the agent");
    process.exit(1);
  });
  process.on("unhandledRejection", (reason) => {
    log.error({ err: reason }, "unhandled promise rejection");
  });
  // The runtime's own warnings (a library's deprecated call, once each) as log lines, not as
  // free text on stderr that breaks the journal's JSON.
  process.on("warning", (warning) => {
    log.warn({ warning: warning.name, code: (warning as { code?: string }).code }, warning.message);
  });
  if (file === undefined) log.warn("no config file: running with built-in defaults");
  const agent = await startAgent(config, log, {
    configFile: file,
    configDir: configurationDirectory(process.env),
  });
  const systemd = serviceManager(process.env, log);
  let summary = agent.summary();
  systemd.ready(summary);
  // Pings come from the event loop itself: if the loop hangs, systemd restarts the agent.
  const watchdog =
    systemd.watchdogIntervalMs === undefined
      ? undefined
      : setInterval(() => systemd.watchdog(), systemd.watchdogIntervalMs);
  // STATUS= follows changes within seconds (first scan done, MediaMTX up or down, clients).
  const status = setInterval(() => {
    const now = agent.summary();
    if (now === summary) return;
    summary = now;
    systemd.status(now);
  }, 2_000);
  const stop = (signal: string) => {
    log.info({ signal }, "stopping");
    systemd.stopping();
    clearInterval(status);
    agent.stop().then(
      () => {
        clearInterval(watchdog);
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}
