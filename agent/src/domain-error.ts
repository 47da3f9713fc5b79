/**
 * What the product refuses, said once in the domain's words; each edge maps these to its own
 * codes in one place (JSON-RPC: rpc/domain-errors.ts). Anything else thrown is a bug.
 */
export type DomainFailure =
  | { kind: "not_found"; resource: string; id: string }
  | { kind: "invalid_state"; state: string; details: string }
  | { kind: "storage_full"; usedPercent: number }
  | { kind: "unsupported"; feature: string; details: string; suggestion: string }
  | { kind: "dependency"; dependency: string; detail: string };

export class DomainError extends Error {
  constructor(readonly failure: DomainFailure) {
    super(describe(failure));
    this.name = "DomainError";
  }
}

function describe(failure: DomainFailure): string {
  switch (failure.kind) {
    case "not_found":
      return `no ${failure.resource} ${failure.id}`;
    case "invalid_state":
      return failure.details;
    case "storage_full":
      return `the storage volume is ${failure.usedPercent.toFixed(1)}% full`;
    case "unsupported":
      return failure.details;
    case "dependency":
      return `${failure.dependency}: ${failure.detail}`;
  }
}

export const domainErrors = {
  notFound: (resource: string, id: string) => new DomainError({ kind: "not_found", resource, id }),
  invalidState: (state: string, details: string) =>
    new DomainError({ kind: "invalid_state", state, details }),
  storageFull: (usedPercent: number) => new DomainError({ kind: "storage_full", usedPercent }),
  unsupported: (feature: string, details: string, suggestion: string) =>
    new DomainError({ kind: "unsupported", feature, details, suggestion }),
  dependencyFailed: (dependency: string, detail: string) =>
    new DomainError({ kind: "dependency", dependency, detail }),
};
