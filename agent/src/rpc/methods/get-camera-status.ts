import { z } from "zod";
import { cameraView, capabilitySummary } from "../../cameras/camera-view.ts";
import { defineMethod } from "../method.ts";
import { deviceId } from "../params.ts";
import { cameraOr404 } from "./camera-lookup.ts";

export const getCameraStatus = defineMethod({
  name: "get_camera_status",
  role: "viewer",
  description: "One camera's status, name, default mode, streams and capabilities.",
  params: z.object({ device: deviceId }),
  handler: ({ device }, { services }) => {
    const camera = cameraOr404(services, device);
    const { formats, resolutions } = capabilitySummary(camera.capabilities);
    return {
      ...cameraView(camera),
      ...(camera.error ? { error: camera.error } : {}),
      capabilities: { formats, resolutions },
    };
  },
});
