import { extname } from "node:path";
import { Hono } from "hono";
import { CONTENT_TYPES, FILENAME, type FileKind } from "../media/storage-layout.ts";
import type { AgentServices } from "../services.ts";
import { byteRange } from "./byte-range.ts";
import { requireIdentity } from "./identity.ts";
import type { PeerRoutes } from "./servers.ts";

const KINDS: readonly FileKind[] = ["recordings", "snapshots"];

/**
 * /files/{recordings,snapshots}/{name} (contract §10, D6): a signed ?token=, a bearer JWT or
 * API key, or X-API-Key; checked before the file is looked up, so names can't be probed.
 * One byte range for seeking in videos (see byteRange); always an attachment.
 */
export function fileRoutes(services: AgentServices): Hono<PeerRoutes> {
  const app = new Hono<PeerRoutes>();
  // A signed ?token= is checked below, against the file it names.
  app.use(
    "/files/*",
    requireIdentity(services, (c) => c.req.query("token") !== undefined),
  );
  app.get("/files/:kind/:name", async (c) => {
    const kind = c.req.param("kind") as FileKind;
    const name = c.req.param("name");
    const token = c.req.query("token");
    if (token !== undefined && !services.downloads.verify(kind, name, token)) {
      return c.text("authentication required\n", 401, { "WWW-Authenticate": "Bearer" });
    }
    if (!KINDS.includes(kind)) return c.text("not found\n", 404);
    if (!FILENAME.test(name)) return c.text("bad file name\n", 400);
    const file = await services.library.find(kind, name);
    if (!file) return c.text("not found\n", 404);

    const headers: Record<string, string> = {
      "Content-Type": CONTENT_TYPES[extname(name).toLowerCase()] ?? "application/octet-stream",
      "Content-Disposition": `attachment; filename="${name}"`,
      "Accept-Ranges": "bytes",
      "Cache-Control": "private, no-store",
    };
    const range = byteRange(c.req.header("range"), file.size);
    if (range.kind === "whole") return new Response(Bun.file(file.path), { headers });
    if (range.kind === "unsatisfiable") {
      return new Response(null, {
        status: 416,
        headers: { "Content-Range": `bytes */${file.size}` },
      });
    }
    const { start, end } = range;
    return new Response(Bun.file(file.path).slice(start, end + 1), {
      status: 206,
      headers: {
        ...headers,
        "Content-Range": `bytes ${start}-${end}/${file.size}`,
        "Content-Length": String(end - start + 1),
      },
    });
  });
  return app;
}
