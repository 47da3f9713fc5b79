import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningAgent, startAgent } from "../../agent/src/agent.ts";
import { signJwt } from "../../agent/src/auth/jwt.ts";
import type { Role } from "../../agent/src/auth/roles.ts";
import { type Environment, resolveConfig } from "../../agent/src/config/load.ts";
import type { AgentConfig } from "../../agent/src/config/schema.ts";
import { createLogger } from "../../agent/src/log/logger.ts";
import { MediaMtxSimulator } from "./mediamtx-simulator.ts";

export const TEST_SECRET = "test-secret-0123456789abcdef0123456789abcdef";

export interface TestAgent {
  agent: RunningAgent;
  config: AgentConfig;
  dir: string;
  wsUrl: string;
  httpUrl: string;
  /** Every log line the agent wrote, as text. */
  logs: string[];
  /** This agent's MediaMTX stand-in; stop() fails if the agent sent it anything the spec forbids. */
  mediamtx: MediaMtxSimulator;
  token(role: Role, claims?: { ttlSeconds?: number; user?: string }): string;
  stop(): Promise<void>;
}

type Overrides = Record<string, Record<string, unknown>>;

/** A real agent in this process, on loopback ephemeral ports, with its own temp state. */
export async function startTestAgent(
  overrides: Overrides = {},
  env: Environment = {},
): Promise<TestAgent> {
  const dir = mkdtempSync(join(tmpdir(), "camera-agent-test-"));
  const mediamtx = new MediaMtxSimulator().start();
  const base: Overrides = {
    server: { host: "127.0.0.1", port: 0 },
    health: { port: 0 },
    security: { jwt_secret: TEST_SECRET },
    state: { dir },
    storage: { root: join(dir, "media") },
    log: { level: "debug" },
    // The simulator stands in for the program too: nothing to look for on disk.
    mediamtx: { api_url: mediamtx.url, health_interval: "200ms", binary: "" },
    // An empty sysfs, polled rarely: tests that exercise discovery bring their own.
    discovery: {
      usb: {
        mode: "poll",
        poll_interval: "1h",
        sysfs_root: join(dir, "sys"),
        dev_root: join(dir, "dev"),
      },
      // WS-Discovery probes stay on this machine (the discovery test makes its own network).
      onvif: { interface: "lo" },
    },
  };
  const merged: Overrides = { ...base };
  for (const [section, values] of Object.entries(overrides)) {
    merged[section] = { ...base[section], ...values };
  }
  const config = resolveConfig(merged, undefined, env);
  const logs: string[] = [];
  const log = createLogger(config.log.level, { write: (line: string) => void logs.push(line) });
  // Its own configuration directory (empty unless a test writes there): backups take it.
  const files = { configFile: undefined, configDir: join(dir, "etc") };
  const agent = await startAgent(config, log, files).catch((error: unknown) => {
    mediamtx.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    agent,
    config,
    dir,
    wsUrl: `ws://127.0.0.1:${agent.port}${config.server.websocket_path}`,
    httpUrl: `http://127.0.0.1:${agent.port}`,
    logs,
    mediamtx,
    token(role, claims = {}) {
      const iat = Math.floor(Date.now() / 1000);
      return signJwt(
        {
          user_id: claims.user ?? `test-${role}`,
          role,
          iat,
          exp: iat + (claims.ttlSeconds ?? 3600),
        },
        config.security.jwt_secret ?? TEST_SECRET,
      );
    },
    async stop() {
      await agent.stop();
      mediamtx.stop();
      rmSync(dir, { recursive: true, force: true });
      if (mediamtx.violations.length > 0) {
        throw new Error(
          `requests MediaMTX's API spec forbids: ${JSON.stringify(mediamtx.violations)}`,
        );
      }
    },
  };
}

// The kernel may hand the port just closed to the next probe: a guest once got the same port
// for SSH and health, and QEMU refused to start.
const handedOut = new Set<number>();

/**
 * A port that was free a moment ago (for listeners whose 0 means "off"), and not one this
 * process handed out before.
 */
export function freePort(): number {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const { port } = probe;
    probe.stop(true);
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error("freePort: 100 probes gave only ports handed out already");
}
