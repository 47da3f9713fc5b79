import { createHmac, timingSafeEqual } from "node:crypto";
import type { FileKind } from "./files.ts";

/**
 * Contract D6: download URLs carry `?token=<expiry>.<signature>`, an HMAC of the file and the
 * expiry, so a browser link works without headers and only until it expires.
 */
export class DownloadSigner {
  constructor(
    private readonly secret: string,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  sign(kind: FileKind, name: string): string {
    const expires = Math.floor((this.now() + this.ttlMs) / 1000);
    return `${expires}.${this.signature(kind, name, expires)}`;
  }

  verify(kind: FileKind, name: string, token: string): boolean {
    const [expiresText = "", signature = ""] = token.split(".");
    const expires = Number(expiresText);
    if (!Number.isInteger(expires) || this.now() > expires * 1000) return false;
    const expected = Buffer.from(this.signature(kind, name, expires));
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private signature(kind: FileKind, name: string, expires: number): string {
    return createHmac("sha256", this.secret)
      .update(`download\n${kind}/${name}\n${expires}`)
      .digest("base64url");
  }
}
