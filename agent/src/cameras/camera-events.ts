import type { Notifier } from "../notifications/notifier.ts";
import type { CameraView } from "./camera-view.ts";
import type { CameraChange } from "./registry.ts";
import type { Camera } from "./types.ts";

/**
 * Registry changes → camera_status_update (the full record) for every session; when the
 * status itself changed, the camera.* topic events for subscribers too.
 */
export function publishCameraChange(
  notifier: Notifier,
  { camera, previous }: CameraChange,
  viewFor: (camera: Camera, host: string) => CameraView,
): void {
  notifier.broadcast("camera_status_update", (host) => ({ ...viewFor(camera, host) }));
  if (previous === camera.status) return;
  const event = { device: camera.id, status: camera.status, name: camera.name };
  if (camera.status === "CONNECTED") notifier.publish("camera.connected", event);
  if (camera.status === "DISCONNECTED") notifier.publish("camera.disconnected", event);
  notifier.publish("camera.status_change", {
    ...event,
    previous_status: previous ?? "DISCONNECTED",
  });
}
