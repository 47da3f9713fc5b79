import { z } from "zod";
import { defineMethod } from "../method.ts";
import { viewFor } from "./camera-lookup.ts";

export const getCameraList = defineMethod({
  name: "get_camera_list",
  role: "viewer",
  description: "Every known camera (connected or not) with status, name, default mode and streams.",
  params: z.object({}),
  handler: (_params, { services, connection }) => {
    const cameras = services.cameras
      .list()
      .map((camera) => viewFor(services, camera, connection.host));
    return {
      cameras,
      total: cameras.length,
      connected: cameras.filter((camera) => camera.status === "CONNECTED").length,
    };
  },
});
