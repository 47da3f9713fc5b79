import { MediaMtxError, MediaMtxUnavailable } from "../../mediamtx/client.ts";
import type { AgentServices } from "../../services.ts";
import { rpcErrors } from "../errors.ts";

/**
 * Runs a MediaMTX call for a method: -32050 at once while MediaMTX is known to be down (the
 * breaker is open until the monitor sees it back), and a failed call opens the breaker.
 */
export async function mediamtxCall<T>(services: AgentServices, call: () => Promise<T>): Promise<T> {
  const { monitor } = services.mediamtx;
  if (monitor.state === "down") throw unreachable(services);
  try {
    return await call();
  } catch (error) {
    if (error instanceof MediaMtxUnavailable) {
      monitor.markDown(error);
      throw rpcErrors.dependencyFailed("MediaMTX", "MediaMTX is not reachable");
    }
    if (error instanceof MediaMtxError) {
      throw rpcErrors.dependencyFailed(
        "MediaMTX",
        `MediaMTX refused the request (HTTP ${error.status})`,
      );
    }
    throw error;
  }
}

/** For actions that change MediaMTX: -32050 at once unless its last check answered. */
export function requireMediamtx(services: AgentServices): void {
  if (!services.mediamtx.monitor.available) throw unreachable(services);
}

function unreachable(services: AgentServices) {
  return rpcErrors.dependencyFailed(
    "MediaMTX",
    services.mediamtx.monitor.lastError ?? "MediaMTX is not reachable",
  );
}
