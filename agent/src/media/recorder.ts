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

type Ended = (recording: ActiveRecording, endedAt: number) => void;

/**
 * Which cameras record, kept in the database so a timed recording still ends on time after
 * an agent restart and a MediaMTX restart gets its `record` flags back. MediaMTX's own recorder
 * writes the files; this only decides when.
 */
export class Recorder {
  private readonly timers = new Map<string, Timer>();

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly onTimedEnd: Ended,
    private readonly now: () => number = Date.now,
  ) {}

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
    return recording;
  }

  /** Ends a recording; undefined when the camera was not recording. */
  stop(device: string): { recording: ActiveRecording; endedAt: number } | undefined {
    const recording = this.active(device);
    if (!recording) return undefined;
    this.db.query("DELETE FROM active_recordings WHERE device = ?").run(device);
    clearTimeout(this.timers.get(device));
    this.timers.delete(device);
    return { recording, endedAt: this.now() };
  }

  private arm(recording: ActiveRecording): void {
    if (recording.stopAt === null) return;
    const delay = Math.max(0, recording.stopAt - this.now());
    this.timers.set(
      recording.device,
      setTimeout(() => {
        const ended = this.stop(recording.device);
        if (!ended) return;
        this.log.info({ device: recording.device }, "timed recording ended");
        this.onTimedEnd(ended.recording, ended.endedAt);
      }, delay),
    );
  }
}
