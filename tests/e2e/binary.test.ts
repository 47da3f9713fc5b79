// The compiled x64 binary as users run it: CLI, key management, serving, graceful stop.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { OnvifSimulator } from "../support/onvif-simulator.ts";
import { RpcClient } from "../support/rpc-client.ts";
import { freePort } from "../support/test-agent.ts";

const BINARY = join(import.meta.dir, "../../dist/camera-agent-linux-x64");
const dir = mkdtempSync(join(tmpdir(), "camera-agent-e2e-"));
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir };

function configFile(port: number, healthPort: number, state = "state"): string {
  const path = join(dir, `config-${port}.yaml`);
  writeFileSync(
    path,
    [
      "server:",
      "  host: 127.0.0.1",
      `  port: ${port}`,
      "health:",
      `  port: ${healthPort}`,
      "state:",
      `  dir: ${join(dir, state)}`,
      "storage:",
      `  root: ${join(dir, "media")}`,
      "",
    ].join("\n"),
  );
  return path;
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = Bun.spawn([BINARY, ...args], { env, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr };
}

/** Polls /health/ready until 200 (bounded: 15 s); returns the last status seen. */
async function waitReady(url: string): Promise<number> {
  let status = 0;
  for (let tries = 0; status !== 200 && tries < 150; tries++) {
    status = await fetch(`${url}/health/ready`, { tls: { rejectUnauthorized: false } }).then(
      (response) => response.status,
      () => Bun.sleep(100).then(() => 0),
    );
  }
  return status;
}

beforeAll(() => {
  if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run "npm run build" first`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("camera-agent CLI", () => {
  test("version names version, commit, build date, runtime and architecture", async () => {
    const { code, stdout } = await cli("version");
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^camera-agent \d+\.\d+\.\d+\ncommit: ([0-9a-f]{12}(-dirty)?|unknown)\nbuilt: \d{4}-\d\d-\d\dT[\d:.]+Z\nruntime: bun \d+\.\d+\.\d+\narchitecture: amd64\n$/,
    );
  });

  test("check-config: OK, every problem listed, or file not found", async () => {
    const good = configFile(18000, 0);
    expect(await cli("check-config", good)).toEqual({
      code: 0,
      stdout: `${good}: OK\n`,
      stderr: "",
    });
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "server:\n  prot: 1\n  port: x\n");
    const result = await cli("check-config", bad);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `invalid configuration:\n  - ${bad}: server.port: expected number, received string\n  - ${bad}: server.prot: unknown key (did you mean "port"?)\n`,
    );
    const missing = await cli("check-config", join(dir, "nope.yaml"));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("config file not found");
  });

  test("usage errors exit 2 with their cause in one line and a pointer to --help; help exits 0", async () => {
    const hint = 'Run "camera-agent --help" for commands and options.\n';
    for (const [args, cause] of [
      [["frobnicate"], 'unknown command "frobnicate"'],
      [[], "which command? (run, check-config, init, keys, …)"],
      [["run", "extra"], "unexpected argument: extra"],
      [["--bogus"], "unknown option --bogus"],
      [["run", "--config"], "option --config needs a value"],
      [["keys", "explode"], "keys needs one of: create, list, revoke"],
      [["token", "--role", "root"], "--role must be viewer, operator or admin"],
    ] as const) {
      const result = await cli(...args);
      expect({ args, code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({
        args,
        code: 2,
        stdout: "",
        stderr: `camera-agent: ${cause}\n${hint}`,
      });
    }
    const help = await cli("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: camera-agent <command>");
    for (const flag of ["--version", "-V"]) {
      const version = await cli(flag);
      expect({ flag, code: version.code }).toEqual({ flag, code: 0 });
      expect(version.stdout).toStartWith("camera-agent ");
    }
  });
});

describe("serving", () => {
  test("keys and tokens from the CLI work against the running binary; SIGTERM closes with 1001 and exits 0", async () => {
    const port = freePort();
    const healthPort = freePort();
    const config = configFile(port, healthPort);

    const created = await cli(
      "keys",
      "create",
      "--role",
      "operator",
      "--name",
      "e2e",
      "--config",
      config,
    );
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^csk_/);
    expect(created.stderr).toContain("not shown again");
    // No secret configured: `token` generates the state file; `run` must reuse it.
    const minted = await cli("token", "--role", "admin", "--ttl", "10m", "--config", config);
    const token = minted.stdout.trim();
    expect(token.split(".")).toHaveLength(3);
    expect(minted.stderr).toContain("generated");
    expect(statSync(join(dir, "state", "jwt-secret")).mode & 0o777).toBe(0o600);

    const agent = Bun.spawn([BINARY, "run", "--config", config], {
      env,
      stdout: "pipe",
      stderr: "pipe",
    });
    const output = new Response(agent.stdout).text();
    try {
      expect(await waitReady(`http://127.0.0.1:${healthPort}`)).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);

      const admin = await RpcClient.connect(`ws://127.0.0.1:${port}/ws`);
      expect((await admin.authenticate(token)).result).toEqual(
        expect.objectContaining({ role: "admin" }),
      );
      expect(await admin.result("get_status")).toEqual(
        expect.objectContaining({ status: expect.any(String) }),
      );
      const operator = await RpcClient.connect(`ws://127.0.0.1:${port}/ws`);
      expect((await operator.authenticate(key)).result).toEqual(
        expect.objectContaining({ role: "operator" }),
      );

      const listed = await cli("keys", "list", "--json", "--config", config);
      const keys = JSON.parse(listed.stdout) as Array<{ id: string; name: string; status: string }>;
      expect(keys).toEqual([expect.objectContaining({ name: "e2e", status: "active" })]);
      expect(listed.stdout).not.toContain(key.slice(4));
      expect((await cli("keys", "revoke", "e2e", "--config", config)).code).toBe(0);
      let reply = await operator.call("get_server_info");
      for (let tries = 0; reply.result !== undefined && tries < 40; tries++) {
        await Bun.sleep(100);
        reply = await operator.call("get_server_info");
      }
      expect(reply.error?.data?.reason).toBe("key_revoked");

      agent.kill("SIGTERM");
      expect(await admin.closed).toEqual({ code: 1001, reason: "server shutting down" });
      expect(await agent.exited).toBe(0);
    } finally {
      agent.kill("SIGKILL");
    }
    const log = await output;
    expect(log).toContain('"msg":"camera-agent started"');
    expect(log).toContain('"msg":"camera-agent stopped"');
    expect(log).not.toContain(token);
    expect(log).not.toContain(key);
  });
});

describe("network cameras in the compiled binary", () => {
  test("the ONVIF client and its XML parsing work inside it; logs stay JSON lines without the login", async () => {
    const port = freePort();
    const healthPort = freePort();
    // Its own state: the camera it adds must not show up in other tests' counts.
    const config = configFile(port, healthPort, "state-onvif");
    const token = (await cli("token", "--role", "operator", "--config", config)).stdout.trim();
    const camera = new OnvifSimulator({
      username: "admin",
      password: "binary-pw",
      streamUris: { main: `rtsp://127.0.0.1:${freePort()}/main` },
      snapshot: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]),
      skewMs: -600_000,
    }).start();
    const agent = Bun.spawn([BINARY, "run", "--config", config], {
      env,
      stdout: "pipe",
      stderr: "pipe",
    });
    const output = new Response(agent.stdout).text();
    const errors = new Response(agent.stderr).text();
    try {
      expect(await waitReady(`http://127.0.0.1:${healthPort}`)).toBe(200);
      const operator = await RpcClient.connect(`ws://127.0.0.1:${port}/ws`);
      await operator.authenticate(token);
      const added = (await operator.result("add_camera", {
        onvif_address: `127.0.0.1:${camera.port}`,
        username: "admin",
        password: "binary-pw",
      })) as Record<string, unknown>;
      // Nothing serves the stream URI: ONVIF worked, the stream is (rightly) unreachable.
      expect(added).toMatchObject({
        source: "onvif",
        name: "Simulated PTZ-1000",
        status: "DISCONNECTED",
      });
      await operator
        .result("ptz_move", { device: added.device, pan: 0.2 })
        .catch((error: Error) => {
          expect(error.message).toContain("is offline");
        });
      const { profiles } = (await operator.result("get_camera_profiles", {
        device: added.device,
      })) as {
        profiles: unknown[];
      };
      expect(profiles).toHaveLength(3);
      agent.kill("SIGTERM");
      expect(await agent.exited).toBe(0);
    } finally {
      agent.kill("SIGKILL");
      camera.stop();
    }
    const log = await output;
    for (const line of log.trim().split("\n")) expect(() => JSON.parse(line)).not.toThrow();
    const stderr = await errors;
    expect(log + stderr).not.toContain("binary-pw");
    expect(stderr).toBe("");
  });
});

describe("systemd notification protocol", () => {
  test("READY, STATUS, WATCHDOG at half the interval and STOPPING reach NOTIFY_SOCKET via libsystemd", async () => {
    const socketPath = join(dir, "notify.sock");
    const listener = Bun.spawn(
      ["/usr/bin/python3", join(import.meta.dir, "../support/notify-socket.py"), socketPath],
      {
        stdout: "pipe",
      },
    );
    const lines = (async function* () {
      let buffer = "";
      for await (const chunk of listener.stdout) {
        buffer += new TextDecoder().decode(chunk);
        let newline = buffer.indexOf("\n");
        while (newline >= 0) {
          yield JSON.parse(buffer.slice(0, newline)) as string;
          buffer = buffer.slice(newline + 1);
          newline = buffer.indexOf("\n");
        }
      }
    })();
    expect((await lines.next()).value).toBe("LISTENING");
    const config = configFile(freePort(), 0);
    const agent = Bun.spawn([BINARY, "run", "--config", config], {
      env: { ...env, NOTIFY_SOCKET: socketPath, WATCHDOG_USEC: "400000" },
      stdout: "ignore",
      stderr: "inherit",
    });
    const messages: string[] = [];
    try {
      // next() rather than for-await: breaking out of a for-await would close the stream.
      while (messages.filter((entry) => entry === "WATCHDOG=1").length < 3) {
        const { value, done } = await lines.next();
        if (done) break;
        messages.push(value);
      }
      agent.kill("SIGTERM");
      for (let next = await lines.next(); !next.done; next = await lines.next())
        messages.push(next.value);
      expect(await agent.exited).toBe(0);
    } finally {
      agent.kill("SIGKILL");
      listener.kill();
    }
    const [ready] = messages;
    expect(ready).toMatch(
      /^READY=1\nSTATUS=cameras 0\/0 connected, 0 clients, USB discovery \w+, .+\nMAINPID=\d+$/,
    );
    expect(messages.filter((message) => message === "WATCHDOG=1").length).toBeGreaterThanOrEqual(3);
    expect(messages).toContain("STOPPING=1\nSTATUS=stopping");
  });
});

describe("camera-agent backup", () => {
  test("create, list and verify from the command line; a damaged archive exits 1 naming the problem, a wrong command line 2", async () => {
    const config = configFile(freePort(), 0);
    const unitEnv = { ...env, CONFIGURATION_DIRECTORY: join(dir, "etc-backup") };
    writeFileSync(join(dir, "passphrase"), "a passphrase\n", { mode: 0o600 });
    const run = (...args: string[]) => {
      const result = Bun.spawnSync([BINARY, "backup", ...args], { env: unitEnv });
      return {
        code: result.exitCode,
        stdout: result.stdout.toString(),
        stderr: result.stderr.toString(),
      };
    };
    expect(
      (await cli("keys", "create", "--role", "admin", "--name", "bk", "--config", config)).code,
    ).toBe(0);
    const created = run("create", "--config", config);
    expect(created.code).toBe(0);
    const archive = created.stdout.trim();
    expect(archive).toMatch(/\/state\/backups\/camera-agent-.+\.tar\.gz$/);
    expect(created.stderr).toContain("backed up");
    const encrypted = run(
      "create",
      "--config",
      config,
      "--passphrase-file",
      join(dir, "passphrase"),
    );
    expect(encrypted.stdout.trim()).toMatch(/\.tar\.gz\.gpg$/);
    const listed = JSON.parse(run("list", "--json", "--config", config).stdout) as Array<{
      file: string;
      encrypted: boolean;
    }>;
    expect(listed.map((row) => row.file)).toContain(archive);
    expect(listed.some((row) => row.encrypted)).toBe(true);
    const verified = run("verify", archive);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain(`${archive}: OK`);
    const damaged = join(dir, "damaged.tar.gz");
    writeFileSync(damaged, (await Bun.file(archive).bytes()).subarray(0, 100));
    expect(run("verify", damaged)).toEqual({
      code: 1,
      stdout: "",
      stderr: `camera-agent: ${damaged}: the archive is truncated or damaged (gzip data is invalid)\n`,
    });
    expect(run("verify", encrypted.stdout.trim()).code).toBe(1);
    // Whole result, so a failure shows gpg's reason (CI saw exit 1 here once, 2026-12-04).
    expect(
      run("verify", encrypted.stdout.trim(), "--passphrase-file", join(dir, "passphrase")),
    ).toMatchObject({ code: 0, stderr: "" });
    // --config given relative to the working directory: the archive names it absolutely.
    const relative = Bun.spawnSync([BINARY, "backup", "create", "--config", basename(config)], {
      env: unitEnv,
      cwd: dirname(config),
    });
    expect(relative.exitCode).toBe(0);
    expect(run("verify", relative.stdout.toString().trim())).toMatchObject({ code: 0, stderr: "" });
    expect(run().code).toBe(2);
    expect(run("verify").code).toBe(2);
  });
});

describe("camera-agent init", () => {
  test("creates secrets, the admin API key and mediamtx.yml once; a second run keeps them all untouched", async () => {
    const port = freePort();
    const config = configFile(port, 0);
    const keyFile = join(dir, "etc", "admin-api-key");
    const mediamtxConfig = join(dir, "etc", "mediamtx.yml");
    const template = join(import.meta.dir, "../../config/mediamtx.yml");
    const args = [
      "init",
      "--config",
      config,
      "--admin-key-file",
      keyFile,
      "--mediamtx-template",
      template,
      "--mediamtx-config",
      mediamtxConfig,
    ];
    const first = await cli(...args);
    expect(first.code).toBe(0);
    expect(first.stdout.split("\n").filter(Boolean)).toEqual([
      expect.stringMatching(/^(created|kept) +JWT secret \(.+jwt-secret\)$/),
      expect.stringMatching(/^created admin API key key_[0-9a-f]+ \(.+admin-api-key, mode 0640\)$/),
      expect.stringMatching(/^created MediaMTX API credentials \(.+mediamtx-credentials\.json\)$/),
      `created MediaMTX config (${mediamtxConfig}, from ${template})`,
    ]);
    expect(statSync(keyFile).mode & 0o777).toBe(0o640);
    expect(statSync(mediamtxConfig).mode & 0o777).toBe(0o640);
    expect(statSync(join(dir, "state", "mediamtx-credentials.json")).mode & 0o777).toBe(0o600);
    const credentials = JSON.parse(
      await Bun.file(join(dir, "state", "mediamtx-credentials.json")).text(),
    ) as {
      user: string;
      password: string;
    };
    const rendered = await Bun.file(mediamtxConfig).text();
    expect(rendered).toContain(`user: "${credentials.user}"`);
    // Only MediaMTX's hashed form of the password: the file does not hold the secret.
    const hashed = createHash("sha256").update(credentials.password).digest("base64");
    expect(rendered).toContain(`pass: "sha256:${hashed}"`);
    expect(rendered).not.toContain(credentials.password);
    expect(rendered).toContain(
      `authHTTPAddress: "http://127.0.0.1:${port}/internal/mediamtx/auth"`,
    );
    const key = (await Bun.file(keyFile).text()).trim();
    const before = [keyFile, mediamtxConfig].map((path) => statSync(path).mtimeMs);
    const secret = await Bun.file(join(dir, "state", "jwt-secret")).text();

    const second = await cli(...args);
    expect(second.stdout).toBe(
      [
        `kept    JWT secret (${join(dir, "state", "jwt-secret")})`,
        `kept    admin API key (${keyFile})`,
        `kept    MediaMTX API credentials (${join(dir, "state", "mediamtx-credentials.json")})`,
        `kept    MediaMTX config (${mediamtxConfig})`,
        "",
      ].join("\n"),
    );
    expect([keyFile, mediamtxConfig].map((path) => statSync(path).mtimeMs)).toEqual(before);
    expect(await Bun.file(join(dir, "state", "jwt-secret")).text()).toBe(secret);

    // Under systemd, ConfigurationDirectory= says where the files go when no option does.
    const unitConfig = join(dir, "etc-unit");
    const underSystemd = Bun.spawnSync(
      [BINARY, "init", "--config", config, "--mediamtx-template", template],
      { env: { ...env, CONFIGURATION_DIRECTORY: unitConfig } },
    );
    expect(underSystemd.exitCode).toBe(0);
    expect(underSystemd.stdout.toString()).toContain(
      `(${join(unitConfig, "admin-api-key")}, mode 0640)`,
    );
    expect(underSystemd.stdout.toString()).toContain(
      `created MediaMTX config (${join(unitConfig, "mediamtx.yml")}, from ${template})`,
    );

    const agent = Bun.spawn([BINARY, "run", "--config", config], {
      env,
      stdout: "ignore",
      stderr: "inherit",
    });
    try {
      expect(await waitReady(`http://127.0.0.1:${port}`)).toBe(200);
      const client = await RpcClient.connect(`ws://127.0.0.1:${port}/ws`);
      expect((await client.authenticate(key)).result).toEqual(
        expect.objectContaining({ role: "admin" }),
      );
      await client.close();
    } finally {
      agent.kill("SIGTERM");
      await agent.exited;
    }
  });
});

describe("camera-agent init --tls", () => {
  test("creates a self-signed certificate once, which the running binary serves wss:// with", async () => {
    const port = freePort();
    const cert = join(dir, "tls-e2e", "cert.pem");
    const key = join(dir, "tls-e2e", "key.pem");
    const config = join(dir, "config-tls.yaml");
    writeFileSync(
      config,
      `server:\n  host: 127.0.0.1\n  port: ${port}\n  tls_cert: ${cert}\n  tls_key: ${key}\nhealth:\n  port: 0\nstate:\n  dir: ${join(dir, "state-tls")}\nstorage:\n  root: ${join(dir, "media")}\n`,
    );
    const args = [
      "init",
      "--tls",
      "--config",
      config,
      "--admin-key-file",
      join(dir, "tls-e2e", "admin-key"),
    ];
    const first = await cli(...args);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`created self-signed TLS certificate (${cert}, key ${key})`);
    const second = await cli(...args);
    expect(second.stdout).toContain(`kept    TLS certificate (${cert})`);
    const agent = Bun.spawn([BINARY, "run", "--config", config], {
      env,
      stdout: "ignore",
      stderr: "inherit",
    });
    try {
      expect(await waitReady(`https://127.0.0.1:${port}`)).toBe(200);
      const client = await RpcClient.connect(`wss://127.0.0.1:${port}/ws`, { insecureTls: true });
      expect(await client.result("ping")).toBe("pong");
      await client.close();
    } finally {
      agent.kill("SIGTERM");
      await agent.exited;
    }
  });
});
