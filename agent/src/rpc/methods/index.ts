import { buildInfo } from "../../build-info.ts";
import type { RpcMethod } from "../method.ts";
import { authenticate } from "./authenticate.ts";
import { getMetrics } from "./get-metrics.ts";
import { getServerInfo } from "./get-server-info.ts";
import { getStatus } from "./get-status.ts";
import { getSystemStatus } from "./get-system-status.ts";
import { ping } from "./ping.ts";
import { discoverMethod } from "./rpc-discover.ts";

const listed: readonly RpcMethod[] = [
  ping,
  authenticate,
  getServerInfo,
  getStatus,
  getSystemStatus,
  getMetrics,
];

export const methods: readonly RpcMethod[] = [...listed, discoverMethod(listed, buildInfo.version)];
