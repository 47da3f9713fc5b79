// Pieces several pages share. Behaviour lives in assets/app.js, keyed by data- attributes:
// data-live (player), data-status-for (live badge), data-rpc (a call on click or submit),
// data-copy (copy a field).

import type { CameraStatus } from "../cameras/types.ts";

export function StatusBadge(props: { device: string; status: CameraStatus }) {
  return (
    <span class={`badge ${props.status.toLowerCase()}`} data-status-for={props.device}>
      {props.status}
    </span>
  );
}

/**
 * Live video: WebRTC (WHEP) first, then HLS, then a still refreshed every few seconds; the
 * player says which one it is on.
 */
export function LiveView(props: { device: string; name: string; streamable: boolean }) {
  return (
    <div class="live" data-live={props.streamable ? props.device : undefined}>
      <video muted autoplay playsinline aria-label={`Live view of ${props.name}`}></video>
      <img alt={`Latest frame from ${props.name}`} hidden />
      <span class="live-mode" aria-hidden="true">
        {props.streamable ? "connecting…" : "no stream"}
      </span>
    </div>
  );
}

/** A button that makes one JSON-RPC call; `after`: what the page does once it succeeds. */
export function RpcButton(props: {
  method: string;
  params?: Record<string, unknown>;
  label: string;
  after?: "reload" | "notice" | "home";
  confirm?: string;
  kind?: "danger" | "primary";
}) {
  return (
    <button
      type="button"
      class={props.kind}
      data-rpc={props.method}
      data-params={JSON.stringify(props.params ?? {})}
      data-after={props.after ?? "notice"}
      data-confirm={props.confirm}
    >
      {props.label}
    </button>
  );
}

export function CopyField(props: { label: string; value: string }) {
  const id = `copy-${props.label.toLowerCase().replace(/\W+/g, "-")}`;
  return (
    <div class="copy">
      <label for={id}>{props.label}</label>
      <input id={id} readonly value={props.value} />
      <button type="button" data-copy={id}>
        Copy
      </button>
    </div>
  );
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
