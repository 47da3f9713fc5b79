import type { Camera } from "../../cameras/types.ts";
import type { AgentServices } from "../../services.ts";
import { rpcErrors } from "../errors.ts";

/** The camera with a validated id, or -32010. */
export function cameraOr404(services: AgentServices, device: string): Camera {
  const camera = services.cameras.get(device);
  if (!camera) throw rpcErrors.notFound("camera", device);
  return camera;
}
