import type { DomainError } from "../domain-error.ts";
import { ERROR_CODES, RpcError, rpcErrors } from "./errors.ts";

/** The one place the domain's failures become JSON-RPC errors (contract §9 codes and data). */
export function rpcErrorFor({ failure }: DomainError): RpcError {
  switch (failure.kind) {
    case "not_found":
      return rpcErrors.notFound(failure.resource, failure.id);
    case "invalid_state":
      return rpcErrors.invalidState(failure.state, failure.details);
    case "storage_full":
      return rpcErrors.storageFull(failure.usedPercent);
    case "unsupported":
      return new RpcError(ERROR_CODES.unsupported, {
        reason: "unsupported",
        details: failure.details,
        suggestion: failure.suggestion,
        feature: failure.feature,
      });
    case "dependency":
      return rpcErrors.dependencyFailed(failure.dependency, failure.detail);
  }
}
