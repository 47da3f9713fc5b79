import { createHmac, timingSafeEqual } from "node:crypto";
import type { FileKind } from "./storage-layout.ts";

/** What /files/<kind>/ serves: media, and (admin only) config backups. */
export type DownloadKind = FileKind | "backups";

/** `<expiry in epoch seconds, decimal>.<base64url HMAC-SHA256>`, nothing else. */
const TOKEN = /^([1-9][0-9]{0,11})\.([A-Za-z0-9_-]{43})$/;

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

  sign(kind: DownloadKind, name: string): string {
    const expires = Math.floor((this.now() + this.ttlMs) / 1000);
    return `${expires}.${this.signature(kind, name, expires)}`;
  }

  verify(kind: DownloadKind, name: string, token: string): boolean {
    // Only the form sign() writes: Number() alone would also take "0x…", " 1e9" or a third part.
    const match = TOKEN.exec(token);
    if (!match) return false;
    const [, expiresText = "", signature = ""] = match;
    const expires = Number(expiresText);
    if (this.now() > expires * 1000) return false;
    const expected = Buffer.from(this.signature(kind, name, expires));
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private signature(kind: DownloadKind, name: string, expires: number): string {
    return createHmac("sha256", this.secret)
      .update(`download\n${kind}/${name}\n${expires}`)
      .digest("base64url");
  }
}
