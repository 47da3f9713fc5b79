import { describe, expect, test } from "bun:test";
import { signJwt, verifyJwt } from "../../agent/src/auth/jwt.ts";
import { Counter, Gauge, Histogram, MetricsRegistry } from "../../agent/src/metrics/prometheus.ts";
import { peekRequestId } from "../../agent/src/rpc/peek-id.ts";
import { RateLimiter } from "../../agent/src/rpc/rate-limit.ts";
import { closest } from "../../agent/src/util/closest.ts";
import { formatGoDuration, parseDuration } from "../../agent/src/util/duration.ts";
import { isoUtc } from "../../agent/src/util/time.ts";

const SECRET = "unit-secret-unit-secret-unit-secret-00";

describe("JWT HS256", () => {
  const claims = { user_id: "u1", role: "operator" as const, iat: 1000, exp: 2000 };

  test("round trip, expiry boundary (now > exp rejects, no leeway)", () => {
    const token = signJwt(claims, SECRET);
    expect(verifyJwt(token, SECRET, 2000)).toEqual({ ok: true, claims });
    expect(verifyJwt(token, SECRET, 2001)).toEqual({ ok: false, reason: "expired" });
  });

  test("tampering with header, payload or signature is detected", () => {
    const [header, payload, signature] = signJwt(claims, SECRET).split(".") as [
      string,
      string,
      string,
    ];
    const forged = Buffer.from(JSON.stringify({ ...claims, role: "admin" })).toString("base64url");
    expect(verifyJwt(`${header}.${forged}.${signature}`, SECRET, 1500).ok).toBe(false);
    // Every other last character, including ones that decode to the same bytes (unused low bits).
    for (const last of "AaBbQw0_-") {
      if (last === signature.at(-1)) continue;
      expect(
        verifyJwt(`${header}.${payload}.${signature.slice(0, -1)}${last}`, SECRET, 1500).ok,
      ).toBe(false);
    }
    expect(verifyJwt(`${header}.${payload}`, SECRET, 1500)).toEqual({
      ok: false,
      reason: "malformed",
    });
    expect(verifyJwt("a.b.c.d", SECRET, 1500)).toEqual({ ok: false, reason: "malformed" });
    expect(verifyJwt(`${header}.${payload}.${signature}=`, SECRET, 1500)).toEqual({
      ok: false,
      reason: "malformed",
    });
  });
});

describe("peekRequestId (oversized frames)", () => {
  test("finds the top-level id wherever it is, ignoring nested and quoted lookalikes", () => {
    expect(peekRequestId('{"jsonrpc":"2.0","id":17,"method":"x"}')).toBe(17);
    expect(peekRequestId('{"params":{"id":1,"s":"\\"id\\":2"},"method":"x","id":"abc"}')).toBe(
      "abc",
    );
    expect(peekRequestId('{"params":["id",{"id":3}],"id":null}')).toBeNull();
    expect(peekRequestId('  {"a":"}", "id" : -2.5e3}')).toBe(-2500);
  });

  test("gives up on anything that is not an object with a scalar id", () => {
    expect(peekRequestId('[{"id":1}]')).toBeUndefined();
    expect(peekRequestId('{"params":{"id":1}}')).toBeUndefined();
    expect(peekRequestId('{"id":{"x":1}}')).toBeUndefined();
    expect(peekRequestId('{"a":"unterminated')).toBeUndefined();
    expect(peekRequestId("")).toBeUndefined();
  });
});

describe("RateLimiter", () => {
  test("bursts a minute's allowance, then refills continuously", () => {
    let now = 0;
    const limiter = new RateLimiter(60, () => now);
    for (let i = 0; i < 60; i++) expect(limiter.take()).toBe(0);
    expect(limiter.take()).toBe(1000);
    now += 500;
    expect(limiter.take()).toBe(500);
    now += 500;
    expect(limiter.take()).toBe(0);
    now += 10 * 60_000;
    for (let i = 0; i < 60; i++) expect(limiter.take()).toBe(0);
    expect(limiter.take()).toBeGreaterThan(0);
  });
});

describe("Prometheus text format", () => {
  test("counters, gauges and cumulative histograms with escaped labels", () => {
    const registry = new MetricsRegistry();
    const counter = registry.register(new Counter("c_total", "A counter."));
    counter.inc({ method: 'a"b\\c\nd' });
    counter.inc({ method: 'a"b\\c\nd' }, 2);
    registry.register(new Gauge("g", "A gauge.", () => 1.5));
    const histogram = registry.register(new Histogram("h_seconds", "A histogram.", [0.1, 1]));
    histogram.observe({}, 0.05);
    histogram.observe({}, 0.5);
    histogram.observe({}, 5);
    expect(registry.render()).toBe(
      [
        "# HELP c_total A counter.",
        "# TYPE c_total counter",
        'c_total{method="a\\"b\\\\c\\nd"} 3',
        "# HELP g A gauge.",
        "# TYPE g gauge",
        "g 1.5",
        "# HELP h_seconds A histogram.",
        "# TYPE h_seconds histogram",
        'h_seconds_bucket{le="0.1"} 1',
        'h_seconds_bucket{le="1"} 2',
        'h_seconds_bucket{le="+Inf"} 3',
        "h_seconds_sum 5.55",
        "h_seconds_count 3",
        "",
      ].join("\n"),
    );
  });
});

describe("small helpers", () => {
  test("durations", () => {
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("2.5s")).toBe(2500);
    expect(parseDuration("15m")).toBe(900_000);
    expect(parseDuration("30d")).toBe(2_592_000_000);
    for (const bad of ["5", "5 s", "-1s", "1w", "s", ""])
      expect(parseDuration(bad)).toBeUndefined();
    expect(formatGoDuration(((72 * 60 + 15) * 60 + 30) * 1000)).toBe("72h15m30s");
    expect(formatGoDuration(61_000)).toBe("1m1s");
    expect(formatGoDuration(999)).toBe("0s");
  });

  test("timestamps are UTC, seconds precision, with Z", () => {
    expect(isoUtc(Date.UTC(2025, 0, 15, 14, 30, 0, 789))).toBe("2025-01-15T14:30:00Z");
  });

  test("closest suggests near misses only", () => {
    expect(closest("prot", ["host", "port", "public_host"])).toBe("port");
    expect(closest("zzzzzz", ["host", "port"])).toBeUndefined();
  });
});
