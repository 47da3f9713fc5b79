// The runtime floor: a bare compiled Bun.serve hello-world, measured beside the agent.
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT ?? 0),
  fetch: () => new Response("hello\n"),
});
console.log(`listening on ${server.port}`);
