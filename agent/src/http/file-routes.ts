import { extname } from "node:path";
import { Hono } from "hono";
import { roleAtLeast } from "../auth/roles.ts";
import type { DownloadKind } from "../media/download-token.ts";
import { CONTENT_TYPES, FILENAME } from "../media/storage-layout.ts";
import type { AgentServices } from "../services.ts";
import { byteRange } from "./byte-range.ts";
import { requireIdentity } from "./identity.ts";
import type { PeerRoutes } from "./servers.ts";

const KINDS: readonly DownloadKind[] = ["recordings", "snapshots", "backups"];
/** Config backups: gzip'd tar, or that encrypted by gpg. */
const BACKUP_TYPES: Record<string, string> = {
  ".gz": "application/gzip",
  ".gpg": "application/pgp-encrypted",
};

/**
 * /files/{recordings,snapshots,backups}/{name} (contract §10, D6): a signed ?token=, a bearer
 * JWT or API key, or X-API-Key; checked before the file is looked up, so names can't be probed.
 * Backups hold the box's secrets: admin only (their tokens are only ever handed to admins).
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
    const kind = c.req.param("kind") as DownloadKind;
    const name = c.req.param("name");
    const token = c.req.query("token");
    if (token !== undefined && !services.downloads.verify(kind, name, token)) {
      return c.text("authentication required\n", 401, { "WWW-Authenticate": "Bearer" });
    }
    if (!KINDS.includes(kind)) return c.text("not found\n", 404);
    if (!FILENAME.test(name)) return c.text("bad file name\n", 400);
    const identity = c.get("identity");
    if (kind === "backups" && identity && !roleAtLeast(identity.role, "admin")) {
      return c.text("backups need the admin role\n", 403);
    }
    const file =
      kind === "backups"
        ? await services.backups.find(name)
        : await services.library.find(kind, name);
    if (!file) return c.text("not found\n", 404);

    const types = kind === "backups" ? BACKUP_TYPES : CONTENT_TYPES;
    const headers: Record<string, string> = {
      "Content-Type": types[extname(name).toLowerCase()] ?? "application/octet-stream",
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
