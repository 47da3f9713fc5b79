/**
 * The cameras start_streaming made always-on, and since when. In memory on purpose: a restart
 * returns every camera to streams.mode. Stream control changes it; the reconcile loop reads it.
 */
export class AlwaysOnSet {
  private readonly since = new Map<string, number>();
  private readonly listeners = new Set<() => void>();

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  has(device: string): boolean {
    return this.since.has(device);
  }

  /** Epoch ms it became always-on; undefined when it is not. */
  sinceOf(device: string): number | undefined {
    return this.since.get(device);
  }

  add(device: string, since: number): void {
    this.since.set(device, since);
    this.changed();
  }

  delete(device: string): void {
    if (this.since.delete(device)) this.changed();
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
