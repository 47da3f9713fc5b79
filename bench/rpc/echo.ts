// The floor for round trips: a bare compiled Bun.serve WebSocket that answers `authenticate`
// and `ping` as JSON-RPC 2.0 with no agent behind it. The same in-process clients ping it in
// the same run, so the agent's share of a ping's latency is what it adds above this.
const echo = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT ?? 0),
  fetch: (request, bun) => (bun.upgrade(request) ? undefined : new Response("echo\n")),
  websocket: {
    message(socket, data) {
      const { id, method } = JSON.parse(String(data)) as { id: number; method: string };
      const result = method === "ping" ? "pong" : { authenticated: true };
      socket.send(JSON.stringify({ jsonrpc: "2.0", result, id }));
    },
  },
});
console.log(`listening on ${echo.port}`);
