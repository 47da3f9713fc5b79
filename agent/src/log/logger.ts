import pino, { type DestinationStream, type Logger } from "pino";
import type { LogLevel } from "../config/schema.ts";

export type { Logger };

/** Keys that may carry credentials anywhere in a log record; never written out. */
const REDACTED_PATHS = [
  "auth_token",
  "*.auth_token",
  "token",
  "*.token",
  "api_key",
  "*.api_key",
  "jwt_secret",
  "*.jwt_secret",
  "password",
  "*.password",
  "authorization",
  "*.authorization",
  "headers.authorization",
  'headers["x-api-key"]',
];

/**
 * JSON lines on stdout for journald. No pino transports: they run in worker threads that
 * a `bun build --compile` binary cannot load.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: "camera-agent" },
    messageKey: "msg",
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
  };
  return destination ? pino(options, destination) : pino(options);
}
