import { z } from "zod";
import { defineMethod } from "../method.ts";

/** What this build can do; grows as subsystems land, never claims what isn't there. */
const CAPABILITIES = [
  "authentication",
  "api_keys",
  "batch_requests",
  "notifications",
  "health_endpoints",
  "metrics",
];

export const getServerInfo = defineMethod({
  name: "get_server_info",
  role: "viewer",
  description: "Name, version, build, runtime, architecture and capabilities of the agent.",
  params: z.object({}),
  handler: (_params, { services }) => ({
    name: "camera-agent",
    version: services.build.version,
    build_date: services.build.buildDate,
    commit: services.build.commit,
    go_version: services.build.runtime,
    architecture: services.build.architecture,
    capabilities: [
      ...CAPABILITIES,
      ...(services.discovery ? ["usb_discovery"] : []),
      ...(services.config.server.tls_cert ? ["tls"] : []),
    ],
    supported_formats: [],
    max_cameras: services.config.limits.max_cameras,
  }),
});
