// Downloading a bundle is bounded: by the free space it was given and by the size limit, whether
// the server announces the length or not; nothing is left behind when it is refused.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { downloadBundle } from "../../agent/src/update/bundle-download.ts";

const BODY = Buffer.alloc(3 << 20, 7);
let server: ReturnType<typeof Bun.serve>;
let work = "";

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "bundle-download-"));
  server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(request) {
      const path = new URL(request.url).pathname;
      if (path === "/sized.raucb") return new Response(BODY);
      if (path === "/unsized.raucb") {
        // Chunked: no Content-Length to refuse it by.
        return new Response(
          new ReadableStream({
            start(controller) {
              for (let i = 0; i < 3; i++) controller.enqueue(BODY.subarray(i << 20, (i + 1) << 20));
              controller.close();
            },
          }),
        );
      }
      return new Response("no", { status: 404 });
    },
  });
});

afterAll(() => {
  server.stop(true);
  rmSync(work, { recursive: true, force: true });
});

const url = (name: string) => `http://127.0.0.1:${server.port}/${name}`;

describe("bundle download", () => {
  test("fetches the whole file", async () => {
    const target = join(work, "ok.raucb");
    await downloadBundle(url("sized.raucb"), target, 100 << 20);
    expect(readFileSync(target).equals(BODY)).toBe(true);
  });

  test("refuses a bundle larger than the free space, announced or not, and leaves nothing", async () => {
    for (const name of ["sized.raucb", "unsized.raucb"]) {
      const target = join(work, `small-${name}`);
      await expect(downloadBundle(url(name), target, 2 << 20)).rejects.toThrow(
        /too little free space: the bundle needs \d+ MiB, 2 MiB free/,
      );
      expect(existsSync(target)).toBe(false);
    }
    expect(readdirSync(work).filter((name) => name.includes("partial"))).toEqual([]);
  });

  test("a server error is named", async () => {
    await expect(downloadBundle(url("missing.raucb"), join(work, "x"), 100 << 20)).rejects.toThrow(
      "HTTP 404",
    );
  });
});
