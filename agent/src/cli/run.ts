import { startAgent } from "../agent.ts";
import { createLogger } from "../log/logger.ts";
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
  if (file === undefined) log.warn("no config file: running with built-in defaults");
  const agent = await startAgent(config, log);
  const stop = (signal: string) => {
    log.info({ signal }, "stopping");
    agent.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}
