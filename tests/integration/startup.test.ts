import { expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestAgent } from "../support/test-agent.ts";

test("a state.dir that cannot be written fails start-up naming the key, the variable and the fix", async () => {
  // A file where a directory should be: refused even for root (EACCES needs a non-root user).
  const dir = mkdtempSync(join(tmpdir(), "camera-agent-state-"));
  try {
    const blocker = join(dir, "not-a-directory");
    writeFileSync(blocker, "");
    const rejected = startTestAgent({ state: { dir: join(blocker, "state") } });
    await expect(rejected).rejects.toThrow(
      `state.dir ${join(blocker, "state")} cannot be written by this user`,
    );
    await expect(rejected).rejects.toThrow("CAMERA_AGENT_STATE_DIR");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the state directory's files are private to the agent's user, whatever the umask", async () => {
  const dir = mkdtempSync(join(tmpdir(), "camera-agent-state-"));
  // An older agent's database, readable by everyone.
  writeFileSync(join(dir, "agent.db"), "", { mode: 0o644 });
  const umask = process.umask(0o022);
  try {
    const agent = await startTestAgent({ state: { dir } });
    await agent.stop();
    const modes = Object.fromEntries(
      readdirSync(dir).map((name) => [name, (statSync(join(dir, name)).mode & 0o777).toString(8)]),
    );
    expect(Object.keys(modes)).toContain("agent.db");
    expect(Object.values(modes).filter((mode) => mode !== "600")).toEqual([]);
  } finally {
    process.umask(umask);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a port in use fails start-up with the listener and its config keys named", async () => {
  const squatter = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  try {
    await expect(startTestAgent({ server: { port: squatter.port } })).rejects.toThrow(
      `cannot start the API listener on 127.0.0.1:${squatter.port} (server.host/server.port)`,
    );
    await expect(
      startTestAgent({ health: { host: "127.0.0.1", port: squatter.port } }),
    ).rejects.toThrow("(health.host/health.port)");
  } finally {
    squatter.stop(true);
  }
});

test("when the health port fails, the API port is released again", async () => {
  const squatter = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const api = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const apiPort = api.port;
  api.stop(true);
  try {
    await expect(
      startTestAgent({
        server: { port: apiPort },
        health: { host: "127.0.0.1", port: squatter.port },
      }),
    ).rejects.toThrow("health listener");
    const agent = await startTestAgent({ server: { port: apiPort } });
    expect(agent.agent.port).toBe(apiPort);
    await agent.stop();
  } finally {
    squatter.stop(true);
  }
});
