/**
 * Live counts the API edge keeps and health and metrics read: open sessions and calls in
 * flight (together the contract's "goroutines"). Made before the edge, so nothing that reads
 * them has to wait for the edge to exist.
 */
export class Activity {
  /** Incremented and decremented by the RPC engine around each frame. */
  inFlight = 0;

  constructor(private readonly sessions: { readonly size: number }) {}

  get connections(): number {
    return this.sessions.size;
  }

  get tasks(): number {
    return this.connections + this.inFlight;
  }
}
