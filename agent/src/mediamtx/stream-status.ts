import type { MediaMtxClient, PathState } from "./client.ts";
import type { MediaMtxProbe } from "./health-probe.ts";

/** What MediaMTX says about its paths now, behind the probe's breaker. */
export class StreamStatus {
  constructor(
    private readonly probe: MediaMtxProbe,
    private readonly client: MediaMtxClient,
  ) {}

  /** Whether MediaMTX answered its last check. */
  get available(): boolean {
    return this.probe.available;
  }

  all(): Promise<PathState[]> {
    return this.probe.call(() => this.client.listPaths());
  }

  /** Paths ready, paths in all and their readers (get_metrics); zeros while MediaMTX is down. */
  async totals(): Promise<{
    active_streams: number;
    total_streams: number;
    total_viewers: number;
  }> {
    const paths = this.available ? await this.all().catch(() => []) : [];
    return {
      active_streams: paths.filter((path) => path.available).length,
      total_streams: paths.length,
      total_viewers: paths.reduce((sum, path) => sum + path.readers, 0),
    };
  }

  /** The camera's path, undefined when MediaMTX has none by that name. */
  path(cameraId: string): Promise<PathState | undefined> {
    return this.probe.call(() => this.client.getPath(cameraId));
  }
}
