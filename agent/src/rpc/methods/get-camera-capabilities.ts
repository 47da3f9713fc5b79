import { z } from "zod";
import { capabilitySummary } from "../../cameras/camera-view.ts";
import { defineMethod } from "../method.ts";
import { deviceId } from "../params.ts";
import { cameraOr404 } from "./camera-lookup.ts";

export const getCameraCapabilities = defineMethod({
  name: "get_camera_capabilities",
  role: "viewer",
  description: "Pixel formats, frame sizes and frame rates the camera's driver reports.",
  params: z.object({ device: deviceId }),
  handler: ({ device }, { services }) => {
    const camera = cameraOr404(services, device);
    return {
      device: camera.id,
      ...capabilitySummary(camera.capabilities),
      // CONFIRMED: probed while connected; DISCONNECTED: last known; NONE: never probed.
      validation_status: !camera.capabilities
        ? "NONE"
        : camera.status === "CONNECTED"
          ? "CONFIRMED"
          : "DISCONNECTED",
    };
  },
});
