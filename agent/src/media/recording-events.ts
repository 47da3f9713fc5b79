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

/** The name MediaMTX's flat recordPath gives a recording's first segment, to the second. */
export function recordingStem(device: string, startedAt: number): string {
  const iso = new Date(startedAt).toISOString();
  return `${device}_${iso.slice(0, 10)}_${iso.slice(11, 19).replaceAll(":", "-")}`;
}
