import { describe, expect, test } from "bun:test";
import { z } from "zod";
import { createLogger } from "../../agent/src/log/logger.ts";
import { RpcConnection } from "../../agent/src/rpc/connection.ts";
import { RpcEngine } from "../../agent/src/rpc/engine.ts";
import { defineMethod } from "../../agent/src/rpc/method.ts";
import { RateLimiter } from "../../agent/src/rpc/rate-limit.ts";
import type { AgentServices } from "../../agent/src/services.ts";

function setup(extra: ReturnType<typeof defineMethod>[]) {
  const logs: string[] = [];
  const log = createLogger("info", { write: (line: string) => void logs.push(line) });
  const observed: string[] = [];
  const engine = new RpcEngine({
    methods: extra,
    services: { log } as unknown as AgentServices,
    observer: { observe: (method, outcome) => void observed.push(`${method}:${outcome}`) },
    log,
    maxFrameBytes: 1 << 20,
    maxBatch: 10,
  });
  const connection = new RpcConnection(
    "c-test",
    "127.0.0.1",
    "localhost",
    8002,
    new RateLimiter(1000),
    {
      send() {},
      close() {},
    },
  );
  const call = async (method: string, params: unknown = {}) =>
    JSON.parse(
      (await engine.handleFrame(
        JSON.stringify({ jsonrpc: "2.0", method, params, id: 1 }),
        connection,
      )) ?? "null",
    );
  return { engine, call, logs, observed };
}

describe("RpcEngine", () => {
  test("a handler that throws answers -32603 with a request id, logs the stack, and keeps serving", async () => {
    const boom = defineMethod({
      name: "boom",
      role: null,
      description: "throws",
      params: z.object({}),
      handler: () => {
        throw new TypeError("kaboom in handler");
      },
    });
    const echo = defineMethod({
      name: "echo",
      role: null,
      description: "echo",
      params: z.object({ word: z.string().max(10) }),
      handler: (params) => params.word,
    });
    const { call, logs, observed } = setup([boom, echo]);
    const reply = await call("boom");
    expect(reply.error).toEqual({
      code: -32603,
      message: "Internal server error",
      data: expect.objectContaining({
        reason: "internal_error",
        request_id: expect.stringMatching(/^c-test-\d+$/),
      }),
    });
    expect(JSON.stringify(reply)).not.toContain("kaboom");
    const line = logs.find((entry) => entry.includes("RPC handler failed")) ?? "";
    expect(line).toContain("kaboom in handler");
    expect(line).toContain(reply.error.data.request_id);
    expect(JSON.parse(line).err.stack).toContain("TypeError");
    expect((await call("echo", { word: "hi" })).result).toBe("hi");
    expect(observed).toEqual(["boom:-32603", "echo:ok"]);
  });

  test("parameter errors name the parameter and rule but never echo the input", async () => {
    const echo = defineMethod({
      name: "echo",
      role: null,
      description: "echo",
      params: z.object({
        device: z.string().regex(/^camera[0-9]+$/),
        limit: z.number().int().min(1).optional(),
      }),
      handler: () => "ok",
    });
    const { call } = setup([echo]);
    const attack = "<script>alert('x')</script>; DROP TABLE cameras";
    const bad = await call("echo", { device: attack });
    expect(bad.error.code).toBe(-32602);
    expect(bad.error.message).toBe("Invalid parameters");
    expect(bad.error.data).toEqual(expect.objectContaining({ param: "device", rule: "pattern" }));
    expect(JSON.stringify(bad)).not.toContain("script");
    expect((await call("echo", {})).error.data).toEqual(
      expect.objectContaining({ param: "device", rule: "required" }),
    );
    expect((await call("echo", { device: "camera0", limit: 0 })).error.data.rule).toBe("range");
    expect((await call("echo", { device: "camera0", extra: 1 })).result).toBe("ok");
  });

  test("drain refuses new requests; idle waits for the running ones", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = defineMethod({
      name: "slow",
      role: null,
      description: "waits",
      params: z.object({}),
      handler: async () => {
        await gate;
        return "done";
      },
    });
    const { engine, call } = setup([slow]);
    const running = call("slow");
    await Bun.sleep(5);
    expect(engine.inFlight).toBe(1);
    engine.drain();
    const refused = await call("slow");
    expect(refused.error.code).toBe(-32603);
    expect(refused.error.data.reason).toBe("shutting_down");
    let idle = false;
    const waiting = engine.idle().then(() => {
      idle = true;
    });
    await Bun.sleep(5);
    expect(idle).toBe(false);
    release();
    expect((await running).result).toBe("done");
    await waiting;
    expect(idle).toBe(true);
  });
});
