import { z } from "zod";
import { defineMethod } from "../method.ts";

export const getStatus = defineMethod({
  name: "get_status",
  role: "admin",
  description: "Overall health (HEALTHY|DEGRADED|UNHEALTHY), uptime, version and component states.",
  params: z.object({}),
  async handler(_params, { services }) {
    const snapshot = await services.health.snapshot();
    const state = (name: string) => services.health.componentState(snapshot, name);
    return {
      status: snapshot.status.toUpperCase(),
      uptime: (Date.now() - services.startedAt) / 1000,
      version: services.build.version,
      components: {
        websocket_server: state("websocket_server"),
        camera_monitor: state("camera_monitor"),
        mediamtx: state("mediamtx"),
      },
    };
  },
});
