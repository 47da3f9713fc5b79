import { z } from "zod";
import { defineMethod } from "../method.ts";

export const getSystemStatus = defineMethod({
  name: "get_system_status",
  role: "viewer",
  description: "Readiness for clients: starting | partial | ready, and the cameras usable now.",
  params: z.object({}),
  handler: (_params, { services }) => {
    const available = services.cameras
      .list()
      .filter((camera) => camera.status === "CONNECTED")
      .map((camera) => camera.id);
    const discovery = services.discovery;
    if (!discovery) {
      return {
        status: "ready",
        message: "USB discovery is disabled (discovery.usb.enabled: false)",
        available_cameras: available,
        discovery_active: false,
      };
    }
    // Discovery runs for as long as the agent does; "finished" means the first full scan.
    const status = discovery.initialScanDone
      ? "ready"
      : available.length > 0
        ? "partial"
        : "starting";
    return {
      status,
      message:
        status === "ready"
          ? `discovery ready: ${available.length} camera(s) available`
          : "initial camera discovery in progress",
      available_cameras: available,
      discovery_active: discovery.active,
    };
  },
});
