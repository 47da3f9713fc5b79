import { z } from "zod";
import { cameraView } from "../../cameras/camera-view.ts";
import { defineMethod } from "../method.ts";

export const getCameraList = defineMethod({
  name: "get_camera_list",
  role: "viewer",
  description: "Every known camera (connected or not) with status, name, default mode and streams.",
  params: z.object({}),
  handler: (_params, { services }) => {
    const cameras = services.cameras.list().map(cameraView);
    return {
      cameras,
      total: cameras.length,
      connected: cameras.filter((camera) => camera.status === "CONNECTED").length,
    };
  },
});
