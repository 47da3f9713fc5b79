import { domainErrors } from "../domain-error.ts";
import type { Logger } from "../log/logger.ts";
import type { MediaServer } from "../media/media-server.ts";
import { coalesced } from "../util/coalesced.ts";
import type { MediaMtxClient } from "./client.ts";
import type { MediaMtxProbe } from "./health-probe.ts";
import type { PathReconciler } from "./path-reconciler.ts";

/**
 * The one loop that applies desired state to MediaMTX. Whatever changes an input (cameras,
 * recordings, the always-on set, MediaMTX coming back) calls `request`; requests during an
 * apply fold into one more apply after it, so applies never overlap (two overlapping applies
 * would both add a missing path, and MediaMTX refuses the second with a 400). Callers that
 * need the outcome await `settle`.
 */
export class ReconcileLoop implements MediaServer {
  private lastFailure: unknown;

  constructor(
    private readonly reconciler: PathReconciler,
    private readonly probe: MediaMtxProbe,
    private readonly client: MediaMtxClient,
    private readonly rtspUrl: (cameraId: string) => Promise<string>,
    private readonly log: Logger,
  ) {
    probe.onAvailable(() => this.request());
  }

  /** Applies soon; resolves when an apply that began after the call has finished. */
  readonly request = coalesced(async () => {
    if (!this.probe.available) return;
    try {
      await this.reconciler.apply();
      this.lastFailure = undefined;
    } catch (error) {
      this.lastFailure = error;
      this.log.warn({ err: error }, "applying MediaMTX paths failed");
      this.probe.markDown(error);
    }
  });

  assertAvailable(): void {
    this.probe.assertAvailable();
  }

  async settle(): Promise<void> {
    await this.probe.known();
    this.probe.assertAvailable();
    await this.request();
    if (!this.probe.available || this.lastFailure !== undefined) {
      throw domainErrors.dependencyFailed("MediaMTX", "MediaMTX did not accept the change");
    }
  }

  readUrl(cameraId: string): Promise<string> {
    return this.probe.call(() => this.rtspUrl(cameraId));
  }

  async readers(cameraId: string): Promise<number> {
    return (await this.probe.call(() => this.client.getPath(cameraId)))?.readers ?? 0;
  }
}
