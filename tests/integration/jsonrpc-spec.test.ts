// The example exchanges of the JSON-RPC 2.0 specification (§7), adapted to our method names,
// plus the envelope rules the contract (§2, D1-D3) adds. Real server, real WebSocket.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { RpcClient } from "../support/rpc-client.ts";
import { startTestAgent, type TestAgent } from "../support/test-agent.ts";

let agent: TestAgent;
let client: RpcClient;

beforeAll(async () => {
  agent = await startTestAgent();
});
afterAll(async () => {
  await agent.stop();
});
beforeEach(async () => {
  client = await RpcClient.connect(agent.wsUrl);
});
afterEach(async () => {
  await client.close();
});

/** Sends a raw frame, then a marker ping; returns whatever arrived before the marker's pong. */
async function exchange(frame: string): Promise<unknown[]> {
  client.sendRaw(frame);
  client.sendRaw('{"jsonrpc":"2.0","method":"ping","id":"marker"}');
  const received: unknown[] = [];
  for (;;) {
    const message = await client.next();
    if ((message as { id?: unknown }).id === "marker") return received;
    received.push(message);
  }
}

const errorOf = (code: number, id: unknown = null) =>
  expect.objectContaining({ jsonrpc: "2.0", id, error: expect.objectContaining({ code }) });

describe("JSON-RPC 2.0 specification examples", () => {
  test("call with named parameters", async () => {
    expect(
      await exchange('{"jsonrpc":"2.0","method":"ping","params":{"subtrahend":23},"id":3}'),
    ).toEqual([{ jsonrpc: "2.0", id: 3, result: "pong" }]);
  });

  test("call with positional parameters is refused: by-name only", async () => {
    const [reply] = await exchange(
      '{"jsonrpc":"2.0","method":"get_server_info","params":[42,23],"id":1}',
    );
    // Authentication comes before parameter validation (contract §2 processing order).
    expect(reply).toEqual(errorOf(-32001, 1));
    const token = agent.token("viewer");
    await client.authenticate(token);
    const [after] = await exchange(
      '{"jsonrpc":"2.0","method":"get_server_info","params":[42,23],"id":2}',
    );
    expect(after).toEqual(errorOf(-32602, 2));
    expect((after as { error: { data: { param: string } } }).error.data.param).toBe("params");
  });

  test("a notification gets no reply", async () => {
    expect(await exchange('{"jsonrpc":"2.0","method":"ping","params":{"a":1}}')).toEqual([]);
  });

  test("notification to a method that does not exist gets no reply", async () => {
    expect(await exchange('{"jsonrpc":"2.0","method":"foobar"}')).toEqual([]);
  });

  test("non-existent method", async () => {
    const [reply] = await exchange('{"jsonrpc":"2.0","method":"foobar","id":"1"}');
    expect(reply).toEqual(errorOf(-32601, "1"));
    expect((reply as { error: { message: string } }).error.message).toBe("Method not found");
  });

  test("invalid JSON", async () => {
    const [reply] = await exchange('{"jsonrpc":"2.0","method":"foobar,"params":"bar","baz]');
    expect(reply).toEqual({
      jsonrpc: "2.0",
      id: null,
      error: expect.objectContaining({ code: -32700, message: "Parse error" }),
    });
  });

  test("invalid Request object", async () => {
    const [reply] = await exchange('{"jsonrpc":"2.0","method":1,"params":"bar"}');
    expect(reply).toEqual(errorOf(-32600, null));
    expect((reply as { error: { message: string } }).error.message).toBe("Invalid Request");
  });

  test("batch, invalid JSON", async () => {
    const frame =
      '[{"jsonrpc":"2.0","method":"ping","params":{},"id":"1"},{"jsonrpc":"2.0","method"]';
    expect(await exchange(frame)).toEqual([errorOf(-32700, null)]);
  });

  test("empty array", async () => {
    expect(await exchange("[]")).toEqual([errorOf(-32600, null)]);
  });

  test("an invalid batch, but not empty: [1]", async () => {
    expect(await exchange("[1]")).toEqual([[errorOf(-32600, null)]]);
  });

  test("invalid batch: [1,2,3]", async () => {
    expect(await exchange("[1,2,3]")).toEqual([
      [errorOf(-32600, null), errorOf(-32600, null), errorOf(-32600, null)],
    ]);
  });

  test("mixed batch: results, errors and notifications", async () => {
    const frame = JSON.stringify([
      { jsonrpc: "2.0", method: "ping", params: {}, id: "1" },
      { jsonrpc: "2.0", method: "ping", params: { note: "notify" } },
      { jsonrpc: "2.0", method: "get_status", id: "2" },
      { foo: "boo" },
      { jsonrpc: "2.0", method: "foo.get", params: { name: "myself" }, id: "5" },
      { jsonrpc: "2.0", method: "ping", id: "9" },
    ]);
    const [batch] = (await exchange(frame)) as [unknown[]];
    expect(batch).toHaveLength(5);
    expect(batch).toEqual(
      expect.arrayContaining([
        { jsonrpc: "2.0", id: "1", result: "pong" },
        errorOf(-32001, "2"),
        errorOf(-32600, null),
        errorOf(-32601, "5"),
        { jsonrpc: "2.0", id: "9", result: "pong" },
      ]),
    );
  });

  test("batch of notifications only gets no reply", async () => {
    const frame =
      '[{"jsonrpc":"2.0","method":"ping","params":[1,2,4]},{"jsonrpc":"2.0","method":"foobar"}]';
    expect(await exchange(frame)).toEqual([]);
  });
});

describe("envelope rules of the contract", () => {
  test('"id": null is a request and is answered with id null (D3)', async () => {
    expect(await exchange('{"jsonrpc":"2.0","method":"ping","id":null}')).toEqual([
      { jsonrpc: "2.0", id: null, result: "pong" },
    ]);
  });

  test("an id that is an object, array or boolean is refused with id null", async () => {
    for (const id of ["{}", "[1]", "true"]) {
      expect(await exchange(`{"jsonrpc":"2.0","method":"ping","id":${id}}`)).toEqual([
        errorOf(-32600, null),
      ]);
    }
  });

  test("wrong or missing jsonrpc version echoes a readable id", async () => {
    expect(await exchange('{"jsonrpc":"1.0","method":"ping","id":7}')).toEqual([
      errorOf(-32600, 7),
    ]);
    expect(await exchange('{"method":"ping","id":8}')).toEqual([errorOf(-32600, 8)]);
  });

  test("params that are neither object nor array are an invalid request", async () => {
    expect(await exchange('{"jsonrpc":"2.0","method":"ping","params":"x","id":4}')).toEqual([
      errorOf(-32600, 4),
    ]);
  });

  test("unknown top-level members are ignored", async () => {
    expect(await exchange('{"jsonrpc":"2.0","method":"ping","id":5,"extra":true}')).toEqual([
      { jsonrpc: "2.0", id: 5, result: "pong" },
    ]);
  });

  test("the notification names of the contract are not methods", async () => {
    for (const method of ["camera_status_update", "recording_status_update", "", "exec"]) {
      const reply = await client.call(method);
      expect(reply.error?.code).toBe(-32601);
      expect(reply.error?.message).toContain("Method not found");
    }
  });

  test("unknown methods are reported before authentication is asked for", async () => {
    const reply = await client.call("set_system_config", { a: 1 });
    expect(reply.error?.code).toBe(-32601);
  });

  test("a binary frame gets an error, not a closed socket", async () => {
    expect(await exchange(new TextEncoder().encode("{}") as unknown as string)).toEqual([
      errorOf(-32600, null),
    ]);
  });

  test("every error carries reason, details and suggestion", async () => {
    const reply = await client.call("get_status");
    expect(reply.error?.data).toEqual(
      expect.objectContaining({
        reason: "auth_required",
        details: expect.any(String),
        suggestion: expect.any(String),
      }),
    );
  });

  test("responses to pipelined requests are matched by id", async () => {
    const replies = await Promise.all(Array.from({ length: 50 }, () => client.call("ping")));
    expect(replies.every((reply) => reply.result === "pong")).toBe(true);
  });
});
