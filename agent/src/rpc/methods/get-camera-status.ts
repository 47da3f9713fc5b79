import { z } from "zod";
import { capabilitySummary } from "../../cameras/camera-view.ts";
import { defineMethod } from "../method.ts";
import { deviceId } from "../params.ts";
import { cameraOr404, viewFor } from "./camera-lookup.ts";

export const getCameraStatus = defineMethod({
  name: "get_camera_status",
  role: "viewer",
  description: "One camera's status, name, default mode, streams and capabilities.",
  params: z.object({ device: deviceId }),
  handler: ({ device }, { services, connection }) => {
    const camera = cameraOr404(services, device);
    const { formats, resolutions } = capabilitySummary(camera.capabilities);
    return {
      ...viewFor(services, camera, connection.host),
      ...(camera.error ? { error: camera.error } : {}),
      capabilities: { formats, resolutions },
    };
  },
});
