import type { Child } from "hono/jsx";
import type { Role } from "../auth/roles.ts";
import { roleAtLeast } from "../auth/roles.ts";

/** Who is looking: what the navigation offers and which controls a page shows. */
export interface Viewer {
  user: string;
  role: Role;
  csrf: string;
  /** The JSON-RPC WebSocket's path (server.websocket_path). */
  ws: string;
}

/** Asset URLs carry the build's version so a new version's pages never run old scripts. */
export interface AssetUrls {
  script: string;
  style: string;
}

const NAV: ReadonlyArray<{ href: string; label: string; role: Role }> = [
  { href: "/", label: "Cameras", role: "viewer" },
  { href: "/recordings", label: "Recordings", role: "viewer" },
  { href: "/cameras/add", label: "Add camera", role: "operator" },
  { href: "/storage", label: "Storage", role: "admin" },
  { href: "/system", label: "System", role: "viewer" },
  { href: "/keys", label: "API keys", role: "admin" },
];

export function can(viewer: Viewer, role: Role): boolean {
  return roleAtLeast(viewer.role, role);
}

/** Every signed-in page: navigation by role, sign-out, and the notice area scripts write to. */
export function Page(props: {
  title: string;
  viewer: Viewer;
  assets: AssetUrls;
  current: string;
  children: Child;
}) {
  const { viewer } = props;
  return (
    <Shell title={props.title} assets={props.assets} viewer={viewer}>
      <header>
        <a class="brand" href="/">
          Camera appliance
        </a>
        <nav aria-label="Main">
          {NAV.filter((item) => can(viewer, item.role)).map((item) => (
            <a href={item.href} aria-current={item.href === props.current ? "page" : undefined}>
              {item.label}
            </a>
          ))}
        </nav>
        <form method="post" action="/logout" class="signout">
          <input type="hidden" name="csrf" value={viewer.csrf} />
          <span class="who">
            {viewer.user} <small>({viewer.role})</small>
          </span>
          <button type="submit">Sign out</button>
        </form>
      </header>
      <main id="main">
        <h1>{props.title}</h1>
        {props.children}
      </main>
      <p id="notice" role="status" aria-live="polite" hidden></p>
    </Shell>
  );
}

/** The document around every page, signed in or not. */
export function Shell(props: {
  title: string;
  assets: AssetUrls;
  viewer?: Viewer;
  children: Child;
}) {
  const { viewer } = props;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · Camera appliance`}</title>
        {/* No favicon request (and no 404 in the console): the tab shows the default. */}
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href={props.assets.style} />
        <script type="module" src={props.assets.script}></script>
      </head>
      <body data-csrf={viewer?.csrf} data-role={viewer?.role} data-ws={viewer?.ws}>
        {props.children}
      </body>
    </html>
  );
}
