import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { type Role, roleSchema } from "./roles.ts";

export interface JwtClaims {
  user_id: string;
  role: Role;
  iat: number;
  exp: number;
}

export type JwtFailure =
  | "malformed"
  | "unsupported_alg"
  | "bad_signature"
  | "invalid_claims"
  | "expired";
export type JwtResult = { ok: true; claims: JwtClaims } | { ok: false; reason: JwtFailure };

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const headerSchema = z.object({ alg: z.string(), typ: z.string().optional() });
const claimsSchema = z
  .object({
    user_id: z.string().min(1).optional(),
    sub: z.string().min(1).optional(),
    role: roleSchema,
    iat: z.number(),
    exp: z.number(),
  })
  .refine((claims) => claims.user_id !== undefined || claims.sub !== undefined);

export function signJwt(claims: JwtClaims, secret: string): string {
  const header = encode({ alg: "HS256", typ: "JWT" });
  const payload = encode(claims);
  return `${header}.${payload}.${sign(`${header}.${payload}`, secret)}`;
}

/** HS256 only: any other `alg`, `none` included, is refused before the signature is looked at. */
export function verifyJwt(token: string, secret: string, nowSeconds: number): JwtResult {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts.every((part) => SEGMENT.test(part))) {
    return { ok: false, reason: "malformed" };
  }
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = headerSchema.safeParse(decode(headerPart));
  if (!header.success) return { ok: false, reason: "malformed" };
  if (header.data.alg !== "HS256") return { ok: false, reason: "unsupported_alg" };
  // Compared as text, so a non-canonical encoding of the same bytes is refused too.
  const expected = Buffer.from(sign(`${headerPart}.${payloadPart}`, secret));
  const given = Buffer.from(signaturePart);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: "bad_signature" };
  }
  const claims = claimsSchema.safeParse(decode(payloadPart));
  if (!claims.success) return { ok: false, reason: "invalid_claims" };
  const { user_id, sub, role, iat, exp } = claims.data;
  if (nowSeconds > exp) return { ok: false, reason: "expired" };
  return { ok: true, claims: { user_id: user_id ?? sub ?? "", role, iat, exp } };
}

function sign(input: string, secret: string): string {
  return createHmac("sha256", secret).update(input).digest("base64url");
}

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function decode(segment: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
}
