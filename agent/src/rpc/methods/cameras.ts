// The camera registry as clients see it.

import { z } from "zod";
import { capabilitySummary } from "../../cameras/camera-view.ts";
import type { Camera } from "../../cameras/types.ts";
import type { AgentServices } from "../../services.ts";
import { defineMethod } from "../method.ts";
import { deviceId } from "../params.ts";

/** get_camera_status's answer; also what add_camera and update_camera return. */
export function cameraStatus(services: AgentServices, camera: Camera, host: string) {
  const { formats, resolutions } = capabilitySummary(camera.source.capabilities);
  return {
    ...services.cameras.view(camera, host),
    source: camera.source.kind,
    ...(camera.error ? { error: camera.error } : {}),
    capabilities: { formats, resolutions },
  };
}

export const getCameraList = defineMethod({
  name: "get_camera_list",
  role: "viewer",
  description: "Every known camera (connected or not) with status, name, default mode and streams.",
  params: z.object({}),
  handler: (_params, { services, connection }) => {
    const cameras = services.cameras
      .list()
      .map((camera) => services.cameras.view(camera, connection.host));
    return {
      cameras,
      total: cameras.length,
      connected: cameras.filter((camera) => camera.status === "CONNECTED").length,
    };
  },
});

export const getCameraStatus = defineMethod({
  name: "get_camera_status",
  role: "viewer",
  description: "One camera's status, name, default mode, streams and capabilities.",
  params: z.object({ device: deviceId }),
  handler: ({ device }, { services, connection }) =>
    cameraStatus(services, services.cameras.get(device), connection.host),
});

export const getCameraCapabilities = defineMethod({
  name: "get_camera_capabilities",
  role: "viewer",
  description:
    "Pixel formats (codecs for network cameras), frame sizes and rates the camera reports, and what PTZ it supports.",
  params: z.object({ device: deviceId }),
  handler: async ({ device }, { services }) => {
    const camera = services.cameras.get(device);
    const { capabilities } = camera.source;
    return {
      device: camera.id,
      source: camera.source.kind,
      ...capabilitySummary(capabilities),
      ptz: await services.ptz.capabilities(camera.id),
      // CONFIRMED: probed while connected; DISCONNECTED: last known; NONE: never probed.
      validation_status: !capabilities
        ? "NONE"
        : camera.status === "CONNECTED"
          ? "CONFIRMED"
          : "DISCONNECTED",
    };
  },
});
