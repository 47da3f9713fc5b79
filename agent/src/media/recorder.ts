import type { Database } from "bun:sqlite";
import type { Logger } from "../log/logger.ts";

export interface ActiveRecording {
  device: string;
  /** Epoch ms. */
  startedAt: number;
  /** Epoch ms when a timed recording ends by itself; null = until stop_recording. */
  stopAt: number | null;
  format: "fmp4";
}

const SELECT = "SELECT device, started_at, stop_at, format FROM active_recordings";
type Row = { device: string; started_at: number; stop_at: number | null; format: "fmp4" };

function fromRow(row: Row): ActiveRecording {
  return { device: row.device, startedAt: row.started_at, stopAt: row.stop_at, format: row.format };
}

/** Why a recording ended: asked to, its duration ran out, or the disk filled. */
export type EndCause = "requested" | "timer" | "storage_full";

export type RecordingChange =
  | { type: "started"; recording: ActiveRecording }
  | { type: "ended"; recording: ActiveRecording; endedAt: number; cause: EndCause };

/**
 * Which cameras record, kept in the database so a timed recording still ends on time after
 * an agent restart and a MediaMTX restart gets its `record` flags back. MediaMTX's own recorder
 * writes the files; this only decides when, and tells listeners (the reconcile loop, the
 * recording service) about every start and end.
 */
export class Recorder {
  private readonly timers = new Map<string, Timer>();
  private readonly listeners = new Set<(change: RecordingChange) => void>();

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  onChange(listener: (change: RecordingChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: RecordingChange): void {
    for (const listener of this.listeners) listener(change);
  }

  /** Re-arms timed recordings after a restart; ones whose time passed meanwhile end now. */
  resume(): void {
    for (const recording of this.all()) this.arm(recording);
  }

  stopTimers(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  all(): ActiveRecording[] {
    return (this.db.query(`${SELECT} ORDER BY device`).all() as Row[]).map(fromRow);
  }

  active(device: string): ActiveRecording | undefined {
    const row = this.db.query(`${SELECT} WHERE device = ?`).get(device) as Row | null;
    return row ? fromRow(row) : undefined;
  }

  /**
   * Records the camera as recording; undefined when it already was. Check and insert are one
   * statement, so two requests racing for the same camera cannot both pass a check and then
   * collide on the table's key (which surfaced as an internal error).
   */
  start(device: string, durationS: number | undefined): ActiveRecording | undefined {
    const now = this.now();
    const recording: ActiveRecording = {
      device,
      startedAt: now,
      stopAt: durationS === undefined ? null : now + durationS * 1000,
      format: "fmp4",
    };
    const inserted = this.db
      .query(
        "INSERT INTO active_recordings (device, started_at, stop_at, format) VALUES (?, ?, ?, ?) ON CONFLICT (device) DO NOTHING",
      )
      .run(device, recording.startedAt, recording.stopAt, recording.format);
    if (inserted.changes === 0) return undefined;
    this.arm(recording);
    this.emit({ type: "started", recording });
    return recording;
  }

  /** Ends a recording; undefined when the camera was not recording. */
  stop(
    device: string,
    cause: EndCause = "requested",
  ): { recording: ActiveRecording; endedAt: number } | undefined {
    const recording = this.active(device);
    if (!recording) return undefined;
    // Deleted only if still there: of two racing stops, one wins and reports the end.
    const deleted = this.db.query("DELETE FROM active_recordings WHERE device = ?").run(device);
    if (deleted.changes === 0) return undefined;
    clearTimeout(this.timers.get(device));
    this.timers.delete(device);
    const endedAt = this.now();
    this.emit({ type: "ended", recording, endedAt, cause });
    return { recording, endedAt };
  }

  private arm(recording: ActiveRecording): void {
    if (recording.stopAt === null) return;
    const delay = Math.max(0, recording.stopAt - this.now());
    this.timers.set(
      recording.device,
      setTimeout(() => {
        if (this.stop(recording.device, "timer"))
          this.log.info({ device: recording.device }, "timed recording ended");
      }, delay),
    );
  }
}
