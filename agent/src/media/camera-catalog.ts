import type { CameraView } from "../cameras/camera-view.ts";
import { cameraView } from "../cameras/camera-view.ts";
import type { CameraRegistry } from "../cameras/registry.ts";
import type { CameraSources, VideoMode } from "../cameras/source.ts";
import type { Camera } from "../cameras/types.ts";
import type { AgentConfig } from "../config/schema.ts";
import { domainErrors } from "../domain-error.ts";
import { streamUrls } from "./stream-urls.ts";

/** Cameras as the product shows them: looked up by id, with their mode and stream URLs. */
export class CameraCatalog {
  constructor(
    private readonly registry: CameraRegistry,
    private readonly sources: CameraSources,
    private readonly config: AgentConfig,
  ) {}

  list(): Camera[] {
    return this.registry.list();
  }

  /** The camera, or a not-found failure naming the id. */
  get(id: string): Camera {
    const camera = this.registry.get(id);
    if (!camera) throw domainErrors.notFound("camera", id);
    return camera;
  }

  /** The camera, connected; else an invalid-state failure with its status. */
  connected(id: string): Camera {
    const camera = this.get(id);
    if (camera.status !== "CONNECTED")
      throw domainErrors.invalidState(camera.status, "the camera is not connected");
    return camera;
  }

  /** Whether the camera has (or gets, at the next apply) a MediaMTX path. */
  publishes(camera: Camera): boolean {
    return this.sources.publication(camera) !== undefined;
  }

  /** The camera's own JPEG (ONVIF snapshot URI), when it makes one. */
  stillImage(camera: Camera): Promise<Uint8Array> | undefined {
    return this.sources.stillImage(camera);
  }

  captureMode(camera: Camera): VideoMode | undefined {
    return this.sources.captureMode(camera);
  }

  /** The contract's Camera object as a client reaching us at `host` should see it. */
  view(camera: Camera, host: string): CameraView {
    return cameraView(
      camera,
      this.publishes(camera) ? streamUrls(this.config, host, camera.id) : undefined,
      this.captureMode(camera),
    );
  }
}
