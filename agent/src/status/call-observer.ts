/**
 * Receives one record per API call: method label ("unknown" for others), outcome (the error
 * code, or "ok"), seconds. Health and metrics implement it; the RPC engine feeds it.
 */
export interface CallObserver {
  observe(method: string, outcome: string, seconds: number): void;
}
