import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { MAX_OFFER_BYTES } from "../media/live-view.ts";
import type { AgentServices } from "../services.ts";
import type { UiRoutes } from "./ui-session.ts";

/**
 * The dashboard's live video, behind its session check: WHEP signalling and HLS relayed from
 * MediaMTX on this machine (LiveView), and a current still as the last resort.
 */
export function liveRoutes(services: AgentServices): Hono<UiRoutes> {
  const app = new Hono<UiRoutes>();
  app.post("/ui/live/:id/whep", bodyLimit({ maxSize: MAX_OFFER_BYTES }), async (c) => {
    if (c.req.header("content-type") !== "application/sdp")
      return c.text("expected an SDP offer (application/sdp)\n", 415);
    const id = c.req.param("id");
    return services.liveView.offer(id, await c.req.text(), `/ui/live/${id}/whep`);
  });
  app.on(
    ["PATCH", "DELETE"],
    "/ui/live/:id/whep/:session",
    bodyLimit({ maxSize: MAX_OFFER_BYTES }),
    async (c) =>
      services.liveView.session(
        c.req.param("id"),
        c.req.param("session"),
        c.req.method === "PATCH" ? "PATCH" : "DELETE",
        c.req.method === "PATCH" ? await c.req.text() : undefined,
        c.req.header("content-type"),
      ),
  );
  app.get("/ui/live/:id/hls/:file", (c) =>
    services.liveView.hls(c.req.param("id"), c.req.param("file"), new URL(c.req.url).search),
  );
  app.get("/ui/live/:id/still.jpg", async (c) => {
    const frame = await services.snapshots.preview(c.req.param("id"));
    return c.body(frame, 200, { "Content-Type": "image/jpeg", "Cache-Control": "no-store" });
  });

  return app;
}
