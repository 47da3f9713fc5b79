import { Hono } from "hono";
import type { PeerRoutes } from "./servers.ts";

/**
 * Routes whose code is loaded by their first request: a box nobody browses to does not pay
 * for the dashboard's pages and assets (about 1.5 MiB of idle memory). Mount it last: it
 * answers every path the routes before it did not.
 */
export function lazyRoutes(load: () => Promise<Hono<PeerRoutes>>): Hono<PeerRoutes> {
  let loaded: Promise<Hono<PeerRoutes>> | undefined;
  const app = new Hono<PeerRoutes>();
  app.all("*", async (c) => {
    loaded ??= load();
    return (await loaded).fetch(c.req.raw, c.env);
  });
  return app;
}
