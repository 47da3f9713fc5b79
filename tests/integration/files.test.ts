// Recordings and snapshots: listing, info, delete over JSON-RPC; downloads over HTTP (D6).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { ApiKeyStore } from "../../agent/src/auth/api-keys.ts";
import { RpcClient } from "../support/rpc-client.ts";
import { startTestAgent, type TestAgent } from "../support/test-agent.ts";

let agent: TestAgent;
let viewer: RpcClient;
let admin: RpcClient;
let apiKey: string;
const RECORDINGS = [
  "camera0_2026-11-21_10-00-00-000001.mp4",
  "camera1_2026-11-21_11-00-00-000001.mp4",
  "camera0_2026-11-21_12-00-00-000001.mp4",
];

beforeAll(async () => {
  agent = await startTestAgent();
  const recordings = join(agent.config.storage.root, "recordings");
  const snapshots = join(agent.config.storage.root, "snapshots");
  mkdirSync(recordings, { recursive: true });
  mkdirSync(snapshots, { recursive: true });
  RECORDINGS.forEach((name, i) => {
    writeFileSync(join(recordings, name), `video-${i}-0123456789`);
    utimesSync(join(recordings, name), 1_700_000_000 + i * 3600, 1_700_000_000 + i * 3600);
  });
  writeFileSync(join(recordings, "notes.txt"), "not a recording");
  symlinkSync("/etc/passwd", join(recordings, "camera9_2026-11-21_00-00-00-000001.mp4"));
  writeFileSync(join(snapshots, "camera0_2026-11-21_12-00-00.jpg"), "jpeg-bytes");
  apiKey = (
    await new ApiKeyStore(agent.config.security.api_keys_file).create({
      name: "dl",
      role: "viewer",
    })
  ).key;
  viewer = await RpcClient.connect(agent.wsUrl);
  await viewer.authenticate(agent.token("viewer"));
  admin = await RpcClient.connect(agent.wsUrl);
  await admin.authenticate(agent.token("admin"));
});
afterAll(async () => {
  await viewer.close();
  await admin.close();
  await agent.stop();
});

type Listing = {
  files: Array<{
    filename: string;
    file_size: number;
    modified_time: string;
    download_url: string;
  }>;
  total: number;
  limit: number;
  offset: number;
};

describe("listing", () => {
  test("newest first, only files of the kind (no symlinks, no other extensions), total and paging echoed", async () => {
    const all = (await viewer.result("list_recordings")) as Listing;
    expect(all.files.map((file) => file.filename)).toEqual([...RECORDINGS].reverse());
    expect(all).toEqual(expect.objectContaining({ total: 3, limit: 50, offset: 0 }));
    expect(all.files[0] as unknown).toEqual({
      filename: RECORDINGS[2],
      file_size: 18,
      modified_time: "2023-11-15T00:13:20Z",
      download_url: expect.stringMatching(
        new RegExp(
          `^http://127\\.0\\.0\\.1:\\d+/files/recordings/${RECORDINGS[2]}\\?token=\\d+\\.`,
        ),
      ),
    });
    const page = (await viewer.result("list_recordings", { limit: 1, offset: 1 })) as Listing;
    expect(page.files.map((file) => file.filename)).toEqual([String(RECORDINGS[1])]);
    expect(page).toEqual(expect.objectContaining({ total: 3, limit: 1, offset: 1 }));
    for (const bad of [{ limit: 0 }, { limit: 1001 }, { offset: -1 }, { limit: "10" }]) {
      expect((await viewer.call("list_recordings", bad)).error?.code).toBe(-32602);
    }
    expect(((await viewer.result("list_snapshots")) as Listing).total).toBe(1);
  });
});

describe("info and delete", () => {
  test("info round-trips a listed name; a missing file is -32010", async () => {
    expect(await viewer.result("get_recording_info", { filename: RECORDINGS[0] })).toEqual(
      expect.objectContaining({
        filename: RECORDINGS[0],
        file_size: 18,
        format: "mp4",
        device: "camera0",
        duration: expect.any(Number),
      }),
    );
    expect(
      await viewer.result("get_snapshot_info", { filename: "camera0_2026-11-21_12-00-00.jpg" }),
    ).toEqual(expect.objectContaining({ format: "jpg", device: "camera0" }));
    const missing = await viewer.call("get_recording_info", {
      filename: "camera0_1999-01-01_00-00-00-000001.mp4",
    });
    expect(missing.error).toEqual(
      expect.objectContaining({
        code: -32010,
        data: expect.objectContaining({ resource: "recording" }),
      }),
    );
    expect(
      (
        await viewer.call("get_recording_info", {
          filename: "camera9_2026-11-21_00-00-00-000001.mp4",
        })
      ).error?.code,
    ).toBe(-32010);
  });

  test("every filename attack of the contract is -32602, and its text never echoes the input", async () => {
    const attacks = [
      "<script>alert(1)</script>",
      "javascript:alert(1)",
      "';alert(1);'",
      "../../etc/passwd",
      "..%2F..%2Fetc%2Fpasswd",
      "C:\\Windows\\system32\\config",
      "a".repeat(1000),
      "",
      ".hidden.mp4",
      "camera0..mp4",
    ];
    for (const method of [
      "get_recording_info",
      "get_snapshot_info",
      "delete_recording",
      "delete_snapshot",
    ]) {
      for (const filename of attacks) {
        const reply = await admin.call(method, { filename });
        expect({ method, filename, code: reply.error?.code }).toEqual({
          method,
          filename,
          code: -32602,
        });
        if (filename.length > 3) expect(JSON.stringify(reply.error)).not.toContain(filename);
      }
    }
  });

  test("delete needs admin; afterwards the file is gone from the list", async () => {
    expect((await viewer.call("delete_recording", { filename: RECORDINGS[0] })).error?.code).toBe(
      -32002,
    );
    expect(await admin.result("delete_recording", { filename: RECORDINGS[0] })).toEqual({
      filename: RECORDINGS[0],
      deleted: true,
      message: "recording deleted",
    });
    const names = ((await viewer.result("list_recordings")) as Listing).files.map(
      (file) => file.filename,
    );
    expect(names).not.toContain(RECORDINGS[0]);
    expect((await admin.call("delete_recording", { filename: RECORDINGS[0] })).error?.code).toBe(
      -32010,
    );
  });
});

/** A GET with the path sent exactly as written (no client-side normalisation). */
function rawGet(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(agent.agent.port, "127.0.0.1", () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${agent.token("admin")}\r\nConnection: close\r\n\r\n`,
      );
    });
    let text = "";
    socket.on("data", (chunk) => {
      text += chunk.toString();
    });
    socket.on("end", () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0)));
    socket.on("error", reject);
  });
}

describe("downloads", () => {
  test("the signed download_url works as a plain link; tampering or no credential is 401", async () => {
    const [file] = ((await viewer.result("list_recordings")) as Listing).files;
    const url = String(file?.download_url);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/^video-\d-0123456789$/);
    expect(response.headers.get("content-type")).toBe("video/mp4");
    expect(response.headers.get("content-disposition")).toBe(
      `attachment; filename="${file?.filename}"`,
    );
    expect(
      (await fetch(url.replace(/token=(\d+)\./, (_, expires) => `token=${Number(expires) + 60}.`)))
        .status,
    ).toBe(401);
    expect((await fetch(url.replace(/recordings\/camera\d/, "recordings/camera7"))).status).toBe(
      401,
    );
    expect((await fetch(url.split("?")[0] ?? "")).status).toBe(401);
    // The same expiry and signature in any form but the one signed are refused.
    const [, expires = "", signature = ""] = /token=(\d+)\.([\w-]+)/.exec(url) ?? [];
    const variant = (token: string) => fetch(url.replace(/token=[^&]+/, `token=${token}`));
    for (const token of [
      `0x${Number(expires).toString(16)}.${signature}`,
      `${expires}.${signature}.extra`,
      `0${expires}.${signature}`,
      `${expires}.0.${signature}`,
      `%20${expires}.${signature}`,
      `${expires}e0.${signature}`,
    ]) {
      expect({ token, status: (await variant(token)).status }).toEqual({ token, status: 401 });
    }
    expect((await variant(`${expires}.${signature}`)).status).toBe(200);
  });

  test("Bearer JWT and X-API-Key work too; an unknown file is 404 only once authenticated", async () => {
    const base = `${agent.httpUrl}/files/snapshots/camera0_2026-11-21_12-00-00.jpg`;
    const bearer = await fetch(base, {
      headers: { Authorization: `Bearer ${agent.token("viewer")}` },
    });
    expect(bearer.status).toBe(200);
    expect(bearer.headers.get("content-type")).toBe("image/jpeg");
    expect((await fetch(base, { headers: { "X-API-Key": apiKey } })).status).toBe(200);
    const missing = `${agent.httpUrl}/files/snapshots/camera0_1999-01-01_00-00-00.jpg`;
    expect((await fetch(missing)).status).toBe(401);
    expect((await fetch(missing, { headers: { "X-API-Key": apiKey } })).status).toBe(404);
  });

  test("ranges for seeking: a slice, a suffix, 416 for one outside the file, anything else ignored (RFC 9110)", async () => {
    const url = `${agent.httpUrl}/files/recordings/${RECORDINGS[1]}`;
    const headers = { "X-API-Key": apiKey };
    const slice = await fetch(url, { headers: { ...headers, Range: "bytes=2-5" } });
    expect(slice.status).toBe(206);
    expect(slice.headers.get("content-range")).toBe("bytes 2-5/18");
    expect(await slice.text()).toBe("deo-");
    const suffix = await fetch(url, { headers: { ...headers, Range: "bytes=-4" } });
    expect(await suffix.text()).toBe("6789");
    expect((await fetch(url, { headers: { ...headers, Range: "bytes=50-60" } })).status).toBe(416);
    expect((await fetch(url, { headers: { ...headers, Range: "bytes=-0" } })).status).toBe(416);
    // The unit is case-insensitive (RFC 9110 §14.1).
    const upper = await fetch(url, { headers: { ...headers, Range: "BYTES=0-1" } });
    expect([upper.status, await upper.text()]).toEqual([206, "vi"]);
    // Another unit, several ranges, an inverted or malformed one: ignored, the whole file.
    for (const range of ["items=0-10", "bytes=0-1,2-3", "bytes=5-2", "bytes=-", "bytes=x-1"]) {
      const whole = await fetch(url, { headers: { ...headers, Range: range } });
      expect({ range, status: whole.status, length: (await whole.text()).length }).toEqual({
        range,
        status: 200,
        length: 18,
      });
    }
  });

  test("no way out of the directory: encoded separators, dot-dot, symlinks, other kinds", async () => {
    expect(await rawGet("/files/recordings/..%2F..%2F..%2Fetc%2Fpasswd")).toBe(400);
    // URL parsing resolves an encoded ".." away before routing: nothing matches, nothing served.
    expect([400, 404]).toContain(await rawGet("/files/recordings/%2e%2e"));
    expect([400, 404]).toContain(await rawGet("/files/recordings/../../../etc/passwd"));
    expect(await rawGet("/files/recordings/camera9_2026-11-21_00-00-00-000001.mp4")).toBe(404);
    expect(await rawGet("/files/recordings/notes.txt")).toBe(404);
    expect(await rawGet("/files/etc/passwd")).toBe(404);
  });
});
