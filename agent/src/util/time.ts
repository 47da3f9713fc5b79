/** ISO-8601 UTC with seconds precision and a trailing Z: the only timestamp form the contract allows. */
export function isoUtc(at: number | Date = Date.now()): string {
  const date = typeof at === "number" ? new Date(at) : at;
  return `${date.toISOString().slice(0, 19)}Z`;
}
