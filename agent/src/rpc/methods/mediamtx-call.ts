import { MediaMtxError, MediaMtxUnavailable } from "../../mediamtx/client.ts";
import type { AgentServices } from "../../services.ts";
import { rpcErrors } from "../errors.ts";

/**
 * Runs a MediaMTX call for a method: -32050 at once while MediaMTX is known to be down (the
 * breaker is open until the monitor sees it back), and a failed call opens the breaker.
 */
export async function mediamtxCall<T>(services: AgentServices, call: () => Promise<T>): Promise<T> {
  const { monitor } = services.mediamtx;
  if (monitor.state === "down") {
    throw rpcErrors.dependencyFailed("MediaMTX", monitor.lastError ?? "MediaMTX is not reachable");
  }
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
