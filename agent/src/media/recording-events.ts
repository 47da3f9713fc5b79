import type { Notifier } from "../notifications/notifier.ts";

/** recording_status_update for every session, and recording.start|stop for subscribers. */
export function publishRecordingChange(
  notifier: Notifier,
  status: "RECORDING" | "STOPPED",
  event: { device: string; filename: string; duration: number; reason?: string },
): void {
  notifier.broadcast("recording_status_update", { ...event, status });
  notifier.publish(status === "RECORDING" ? "recording.start" : "recording.stop", {
    ...event,
    status,
  });
  if (event.reason) notifier.publish("recording.error", { ...event, status });
}
