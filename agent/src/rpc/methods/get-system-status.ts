import { z } from "zod";
import { defineMethod } from "../method.ts";

export const getSystemStatus = defineMethod({
  name: "get_system_status",
  role: "viewer",
  description: "Readiness for clients: starting | partial | ready, and the cameras usable now.",
  params: z.object({}),
  handler: () => ({
    // No discovery subsystem in this build: nothing is pending, and no camera is available.
    status: "ready",
    message: "camera discovery is not part of this build; no cameras are available",
    available_cameras: [],
    discovery_active: false,
  }),
});
