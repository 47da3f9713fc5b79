import { createHash } from "node:crypto";
import type { Context } from "hono";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { JSX } from "hono/jsx/jsx-runtime";
import { logIn } from "../auth/log-in.ts";
import { SESSION_COOKIE } from "../auth/web-sessions.ts";
import { cameraOfFile } from "../camera-ids.ts";
import { capabilitySummary } from "../cameras/camera-view.ts";
import { DomainError } from "../domain-error.ts";
import type { FileKind } from "../media/storage-layout.ts";
import { streamUrls } from "../media/stream-urls.ts";
import type { AgentServices } from "../services.ts";
import appStyle from "../ui/assets/app.css" with { type: "text" };
import appScript from "../ui/assets/app.js" with { type: "text" };
import type { AssetUrls, Viewer } from "../ui/layout.tsx";
import { AddCameraPage, CameraPage, GridPage } from "../ui/pages/cameras.tsx";
import { type LibraryEntry, RecordingsPage } from "../ui/pages/recordings.tsx";
import { ProblemPage, SignInPage } from "../ui/pages/sign-in.tsx";
import { KeysPage, StoragePage, SystemPage } from "../ui/pages/system.tsx";
import { isoUtc } from "../util/time.ts";
import { liveRoutes } from "./ui-live-routes.ts";
import {
  MAX_FORM_BYTES,
  requireRole,
  requireSession,
  sameOrigin,
  sessionOf,
  type UiRoutes,
} from "./ui-session.ts";

/** Files a page lists at most (newest first); a filter narrows older ones in. */
const MAX_LISTED = 500;

/**
 * The dashboard: server-rendered pages (Hono JSX) from the domain services, one script and one
 * stylesheet embedded in the binary, and the live-video relay. Actions go through JSON-RPC on
 * the same WebSocket API as every client (so roles and checks are the API's), signed in by
 * the session cookie plus its anti-CSRF token.
 */
export function uiRoutes(services: AgentServices): Hono<UiRoutes> {
  const app = new Hono<UiRoutes>();
  const assets = assetUrls(services.build.version);
  const secure = services.config.server.tls_cert !== undefined;

  app.use("*", async (c, next) => {
    await next();
    if (c.res.headers.get("content-type")?.startsWith("text/html")) securityHeaders(c);
  });

  const script = compressed(appScript);
  const style = compressed(appStyle);
  app.get(assets.script, (c) => asset(c, script, "text/javascript; charset=utf-8"));
  app.get(assets.style, (c) => asset(c, style, "text/css; charset=utf-8"));

  app.get("/login", async (c) => {
    if (await sessionOf(services, c)) return c.redirect("/", 303);
    return page(
      c,
      SignInPage({ assets, next: localPath(c.req.query("next")), problem: undefined }),
    );
  });

  app.post("/login", bodyLimit({ maxSize: MAX_FORM_BYTES }), async (c) => {
    if (!sameOrigin(c)) return c.text("cross-site request refused\n", 403);
    const form = await c.req.parseBody();
    const next = localPath(typeof form.next === "string" ? form.next : undefined);
    const outcome = await logIn(
      services.authenticator,
      services.loginThrottle,
      c.env?.remoteAddress ?? "unknown",
      form.credential,
    );
    if (!outcome.ok) {
      const problem =
        outcome.reason === "throttled"
          ? "Too many failed sign-ins from this address: wait a minute."
          : outcome.reason === "token_expired"
            ? "That key or token has expired."
            : outcome.reason === "key_revoked"
              ? "That key has been revoked."
              : "That key or token is not valid.";
      c.status(outcome.reason === "throttled" ? 429 : 401);
      return page(c, SignInPage({ assets, next, problem }));
    }
    const { id, session } = services.webSessions.create(outcome.identity);
    setCookie(c, SESSION_COOKIE, id, {
      httpOnly: true,
      sameSite: "Strict",
      secure,
      path: "/",
      maxAge: Math.max(1, Math.floor((session.expiresAt - Date.now()) / 1000)),
    });
    services.log.info(
      { user: outcome.identity.userId, role: outcome.identity.role, remote: c.env?.remoteAddress },
      "dashboard sign-in",
    );
    return c.redirect(next, 303);
  });

  const signedIn = requireSession(services);
  app.post("/logout", bodyLimit({ maxSize: MAX_FORM_BYTES }), signedIn, (c) => {
    services.webSessions.end(getCookie(c, SESSION_COOKIE));
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure });
    return c.redirect("/login", 303);
  });

  for (const path of [
    "/",
    "/cameras/*",
    "/recordings",
    "/storage",
    "/system",
    "/keys",
    "/ui/live/*",
  ])
    app.use(path, signedIn);
  app.use("/cameras/add", requireRole("operator"));
  app.use("/storage", requireRole("admin"));
  app.use("/keys", requireRole("admin"));

  const viewerOf = (c: Context<UiRoutes>): Viewer => {
    const session = c.get("session");
    if (!session) throw new Error("route mounted without requireSession");
    return {
      user: session.identity.userId,
      role: session.identity.role,
      csrf: session.csrf,
      ws: services.config.server.websocket_path,
    };
  };
  const host = (c: Context<UiRoutes>) => new URL(c.req.url).hostname;

  app.get("/", (c) => {
    const cameras = services.cameras.list().map((camera) => ({
      view: services.cameras.view(camera, host(c)),
      source: camera.source.kind,
      streamable: services.cameras.publishes(camera),
    }));
    return page(c, GridPage({ viewer: viewerOf(c), assets, cameras }));
  });

  app.get("/cameras/add", (c) => page(c, AddCameraPage({ viewer: viewerOf(c), assets })));

  app.get("/cameras/:id", async (c) => {
    const camera = services.cameras.get(c.req.param("id"));
    const streamable = services.cameras.publishes(camera);
    const { formats, resolutions } = capabilitySummary(camera.source.capabilities);
    return page(
      c,
      CameraPage({
        viewer: viewerOf(c),
        assets,
        camera: {
          view: services.cameras.view(camera, host(c)),
          source: camera.source.kind,
          streamable,
          formats,
          resolutions,
          urls: streamable ? streamUrls(services.config, host(c), camera.id) : undefined,
          recording: services.recordings.isRecording(camera.id),
          ptz: await services.ptz.capabilities(camera.id),
          error: camera.error,
        },
      }),
    );
  });

  app.get("/recordings", async (c) => {
    const camera = c.req.query("camera") ?? "";
    const date = /^\d{4}-\d{2}-\d{2}$/.test(c.req.query("date") ?? "")
      ? (c.req.query("date") ?? "")
      : "";
    const entries: LibraryEntry[] = [];
    let truncated = false;
    for (const kind of ["recordings", "snapshots"] as const) {
      const { files, total } = await services.library.list(kind, MAX_LISTED, 0);
      truncated ||= total > files.length;
      for (const file of files) {
        const owner = cameraOfFile(file.name) ?? "";
        const modified = isoUtc(file.modified);
        if ((camera && owner !== camera) || (date && !modified.startsWith(date))) continue;
        entries.push({
          kind: kind === "recordings" ? "recording" : "snapshot",
          name: file.name,
          camera: owner,
          size: file.size,
          modified,
          url: signedPath(services, kind, file.name),
        });
      }
    }
    entries.sort((a, b) => b.modified.localeCompare(a.modified));
    const cameras = services.cameras.list().map((entry) => entry.id);
    return page(
      c,
      RecordingsPage({
        viewer: viewerOf(c),
        assets,
        filter: { camera, date, cameras },
        entries,
        truncated,
      }),
    );
  });

  app.get("/storage", async (c) =>
    page(
      c,
      StoragePage({
        viewer: viewerOf(c),
        assets,
        storage: await services.library.storage(),
        policy: services.retention.policy(),
      }),
    ),
  );

  app.get("/system", async (c) => {
    const viewer = viewerOf(c);
    const backups =
      viewer.role === "admin"
        ? (await services.backups.list()).map((file) => ({
            name: file.name,
            size: file.size,
            created: isoUtc(file.created),
            encrypted: file.encrypted,
            url: signedPath(services, "backups", file.name),
          }))
        : undefined;
    return page(
      c,
      SystemPage({
        viewer,
        assets,
        build: services.build,
        health: await services.health.snapshot(),
        update: await services.updates.status(),
        backups,
      }),
    );
  });

  app.get("/keys", async (c) =>
    page(c, KeysPage({ viewer: viewerOf(c), assets, keys: await services.apiKeys.listed() })),
  );

  app.route("/", liveRoutes(services));

  app.onError((error, c) => {
    if (!(error instanceof DomainError)) throw error;
    const failure = error.failure;
    const status =
      failure.kind === "not_found"
        ? 404
        : failure.kind === "dependency"
          ? 502
          : failure.kind === "storage_full"
            ? 507
            : 409;
    if (c.req.method === "GET" && c.req.header("accept")?.includes("text/html")) {
      c.status(status);
      return page(c, ProblemPage({ assets, title: "Not available", text: error.message }));
    }
    return c.text(`${error.message}\n`, status);
  });
  return app;
}

/** `/files/…?token=` for a page (relative: right whatever host the browser used). */
function signedPath(services: AgentServices, kind: FileKind | "backups", name: string): string {
  const token = encodeURIComponent(services.downloads.sign(kind, name));
  return `/files/${kind}/${encodeURIComponent(name)}?token=${token}`;
}

/** A redirect target from a form: only a path on this server, never another site. */
function localPath(next: string | undefined): string {
  return next && /^\/(?![/\\])[\w\-./?=&%]*$/.test(next) ? next : "/";
}

function page(c: Context<UiRoutes>, body: JSX.Element): Response | Promise<Response> {
  return c.html(`<!doctype html>${body}`);
}

/** Pages: no framing, no inline script, no third-party anything, never cached. */
function securityHeaders(c: Context<UiRoutes>): void {
  const headers = c.res.headers;
  headers.set(
    "Content-Security-Policy",
    "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; connect-src 'self'; " +
      "script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; " +
      "form-action 'self'; frame-ancestors 'none'",
  );
  headers.set("X-Content-Type-Options", "nosniff");
  // Not no-referrer: under it, browsers send "Origin: null" on form posts, and sign-in checks it.
  headers.set("Referrer-Policy", "same-origin");
  headers.set("X-Frame-Options", "DENY");
  headers.set("Cache-Control", "no-store");
}

function assetUrls(version: string): AssetUrls {
  const tag = (text: string) =>
    createHash("sha256").update(version).update(text).digest("hex").slice(0, 12);
  return { script: `/ui/app.${tag(appScript)}.js`, style: `/ui/app.${tag(appStyle)}.css` };
}

/** An asset as it is and gzip'd once at start (a third of the bytes over a phone's Wi-Fi). */
function compressed(text: string): { plain: string; gzip: Uint8Array<ArrayBuffer> } {
  return { plain: text, gzip: new Uint8Array(Bun.gzipSync(text)) };
}

/** Named by their content: cached for a year, never stale. */
function asset(
  c: Context<UiRoutes>,
  body: { plain: string; gzip: Uint8Array<ArrayBuffer> },
  type: string,
): Response {
  const headers = {
    "Content-Type": type,
    "Cache-Control": "public, max-age=31536000, immutable",
    "X-Content-Type-Options": "nosniff",
    Vary: "Accept-Encoding",
  };
  if (/\bgzip\b/.test(c.req.header("accept-encoding") ?? "")) {
    return c.body(body.gzip, 200, { ...headers, "Content-Encoding": "gzip" });
  }
  return c.body(body.plain, 200, headers);
}
