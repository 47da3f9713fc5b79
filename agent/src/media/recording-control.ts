import type { AgentConfig } from "../config/schema.ts";
import { domainErrors } from "../domain-error.ts";
import type { Logger } from "../log/logger.ts";
import type { Notifier } from "../notifications/notifier.ts";
import type { CameraCatalog } from "./camera-catalog.ts";
import { newestRecording } from "./files.ts";
import type { MediaServer } from "./media-server.ts";
import type { ActiveRecording, EndCause, Recorder } from "./recorder.ts";
import { publishRecordingChange } from "./recording-events.ts";
import type { StorageGuard } from "./storage-guard.ts";
import { recordingStem } from "./storage-layout.ts";

export interface StartedRecording {
  device: string;
  filename: string;
  startedAt: number;
}

export interface EndedRecording extends StartedRecording {
  endedAt: number;
  /** Whole seconds. */
  duration: number;
  /** Bytes of the segment written, 0 when MediaMTX wrote none. */
  size: number;
}

/**
 * Starting and stopping recordings: the checks (camera connected, room on disk, MediaMTX up,
 * not already recording), the order (claim → apply → roll back if MediaMTX refused), and
 * the announcements. Every end, whether asked for, timed or forced by a full disk, is
 * announced here with the same file naming.
 */
export class RecordingControl {
  constructor(
    private readonly cameras: CameraCatalog,
    private readonly recorder: Recorder,
    private readonly guard: StorageGuard,
    private readonly media: MediaServer,
    private readonly notifier: Notifier,
    private readonly config: AgentConfig,
    private readonly log: Logger,
  ) {
    recorder.onChange((change) => {
      if (change.type === "ended" && change.cause !== "requested") {
        this.finish(change.recording, change.endedAt, change.cause).catch((error: unknown) =>
          this.log.error(
            { err: error, device: change.recording.device },
            "recording end not announced",
          ),
        );
      }
    });
  }

  active(): ActiveRecording[] {
    return this.recorder.all();
  }

  isRecording(device: string): boolean {
    return this.recorder.active(device) !== undefined;
  }

  /** `format`: what the caller asked for; MediaMTX writes fMP4 (.mp4) only. */
  async start(
    device: string,
    durationS: number | undefined,
    format: "fmp4" | "mp4" | "mkv" = "fmp4",
  ): Promise<StartedRecording> {
    const camera = this.cameras.get(device);
    if (format === "mkv") {
      throw domainErrors.unsupported(
        "mkv recording",
        "MediaMTX records fMP4 (.mp4); Matroska is not available",
        "use format fmp4 or mp4",
      );
    }
    this.cameras.connected(camera.id);
    if (this.isRecording(camera.id)) throw alreadyRecording();
    await this.guard.assertRoom();
    this.media.assertAvailable();
    // Claimed atomically: another request may have started it during the awaits above.
    const recording = this.recorder.start(camera.id, durationS);
    if (!recording) throw alreadyRecording();
    try {
      await this.media.settle();
    } catch (error) {
      this.recorder.stop(camera.id);
      throw error;
    }
    const filename = recordingStem(camera.id, recording.startedAt);
    publishRecordingChange(this.notifier, "RECORDING", {
      device: camera.id,
      filename,
      duration: 0,
    });
    return { device: camera.id, filename, startedAt: recording.startedAt };
  }

  async stop(device: string): Promise<EndedRecording> {
    const camera = this.cameras.get(device);
    const ended = this.recorder.stop(camera.id);
    if (!ended) throw domainErrors.invalidState("STOPPED", "the camera is not recording");
    // The flag is off in the desired state; MediaMTX being away does not undo the stop.
    await this.media.settle().catch(() => undefined);
    return this.finish(ended.recording, ended.endedAt, "requested");
  }

  /** Names what was written and tells every session the recording ended. */
  private async finish(
    recording: ActiveRecording,
    endedAt: number,
    cause: EndCause,
  ): Promise<EndedRecording> {
    // The camera's newest segment written since the recording started, if MediaMTX wrote one.
    const newest = await newestRecording(this.config, recording.device);
    const written = newest && newest.modified >= recording.startedAt - 1000 ? newest : undefined;
    const ended: EndedRecording = {
      device: recording.device,
      filename: written?.name ?? recordingStem(recording.device, recording.startedAt),
      startedAt: recording.startedAt,
      endedAt,
      duration: Math.round((endedAt - recording.startedAt) / 1000),
      size: written?.size ?? 0,
    };
    publishRecordingChange(this.notifier, "STOPPED", {
      device: ended.device,
      filename: ended.filename,
      duration: ended.duration,
      ...(cause === "storage_full" ? { reason: cause } : {}),
    });
    return ended;
  }
}

function alreadyRecording() {
  return domainErrors.invalidState("RECORDING", "the camera is already recording");
}
