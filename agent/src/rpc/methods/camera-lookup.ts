import { type CameraView, cameraView } from "../../cameras/camera-view.ts";
import type { Camera } from "../../cameras/types.ts";
import { streamUrls } from "../../mediamtx/stream-urls.ts";
import type { AgentServices } from "../../services.ts";
import { rpcErrors } from "../errors.ts";

/** The camera with a validated id, or -32010. */
export function cameraOr404(services: AgentServices, device: string): Camera {
  const camera = services.cameras.get(device);
  if (!camera) throw rpcErrors.notFound("camera", device);
  return camera;
}

/** The contract's Camera object as a client reaching us at `host` should see it. */
export function viewFor(services: AgentServices, camera: Camera, host: string): CameraView {
  const published = services.mediamtx.reconciler.publishes(camera);
  return cameraView(
    camera,
    published ? streamUrls(services.config, host, camera.id) : undefined,
    services.config.cameras[camera.id],
  );
}
