// The MediaMTX pin has one home in the product (provisioning/mediamtx-release.conf), and it must
// say what the project's release pins say (shared/mediamtx/README.md, beside the checkout).
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const REPO = join(import.meta.dir, "../..");
const PIN = join(REPO, "provisioning/mediamtx-release.conf");
const SHARED = join(REPO, "../shared/mediamtx/README.md");

function pinValues(): Record<string, string> {
  const values: Record<string, string> = Object.create(null);
  for (const line of readFileSync(PIN, "utf8").split("\n")) {
    const match = /^([A-Z0-9_]+)=(\S+)$/.exec(line);
    if (match?.[1] && match[2]) values[match[1]] = match[2];
  }
  return values;
}

describe("MediaMTX release pin", () => {
  test("the pin file names a release and a sha256 per architecture", () => {
    const pin = pinValues();
    expect(pin.MEDIAMTX_VERSION).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(pin.MEDIAMTX_RELEASES).toStartWith("https://");
    expect(pin.MEDIAMTX_SHA256_AMD64).toMatch(/^[0-9a-f]{64}$/);
    expect(pin.MEDIAMTX_SHA256_ARM64).toMatch(/^[0-9a-f]{64}$/);
  });

  test.skipIf(!existsSync(SHARED))("matches the project's release pins in shared/", () => {
    const pin = pinValues();
    const table = new Map<string, string>();
    for (const match of readFileSync(SHARED, "utf8").matchAll(
      /`(mediamtx_\S+\.tar\.gz)`\s*\|\s*`([0-9a-f]{64})`/g,
    )) {
      if (match[1] && match[2]) table.set(match[1], match[2]);
    }
    expect(table.size).toBeGreaterThan(0);
    const version = pin.MEDIAMTX_VERSION;
    expect(table.get(`mediamtx_${version}_linux_amd64.tar.gz`)).toBe(pin.MEDIAMTX_SHA256_AMD64);
    expect(table.get(`mediamtx_${version}_linux_arm64.tar.gz`)).toBe(pin.MEDIAMTX_SHA256_ARM64);
  });
});
