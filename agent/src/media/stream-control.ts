import type { CameraSources } from "../cameras/source.ts";
import { domainErrors } from "../domain-error.ts";
import type { AlwaysOnSet } from "./always-on.ts";
import type { CameraCatalog } from "./camera-catalog.ts";
import type { MediaServer } from "./media-server.ts";

/** start_streaming / stop_streaming: checks, the always-on set, and waiting for MediaMTX. */
export class StreamControl {
  constructor(
    private readonly cameras: CameraCatalog,
    private readonly sources: CameraSources,
    private readonly alwaysOn: AlwaysOnSet,
    private readonly media: MediaServer,
    private readonly mode: "on_demand" | "on_init",
  ) {}

  /** Keeps the camera's publisher running; the command shown has no secrets or device paths. */
  async start(device: string): Promise<{ device: string; since: number; command: string[] }> {
    const camera = this.cameras.connected(device);
    await this.sources.ready();
    const publication = this.sources.publication(camera);
    if (!publication)
      throw domainErrors.invalidState(
        "NOT_PUBLISHABLE",
        "the camera offers no format that can be published",
      );
    const already = this.alwaysOn.sinceOf(camera.id);
    const since = already ?? Date.now();
    if (already === undefined) this.alwaysOn.add(camera.id, since);
    try {
      await this.media.settle();
    } catch (error) {
      if (already === undefined) this.alwaysOn.delete(camera.id);
      throw error;
    }
    return { device: camera.id, since, command: publication.shown };
  }

  /** Back to on demand; says whether the stream goes on for others (readers, on_init). */
  async stop(
    device: string,
  ): Promise<{ device: string; since: number; until: number; continues: boolean }> {
    const camera = this.cameras.get(device);
    const since = this.alwaysOn.sinceOf(camera.id);
    if (since === undefined)
      throw domainErrors.invalidState(
        "NOT_STREAMING",
        "start_streaming was not called for this camera",
      );
    this.alwaysOn.delete(camera.id);
    await this.media.settle();
    const continues = this.mode === "on_init" || (await this.media.readers(camera.id)) > 0;
    return { device: camera.id, since, until: Date.now(), continues };
  }
}
