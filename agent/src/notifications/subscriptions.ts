/** The app subscribes to these method names; each stands for a family of topics (D12). */
const ALIASES: Record<string, readonly string[]> = {
  camera_status_update: ["camera.connected", "camera.disconnected", "camera.status_change"],
  recording_status_update: [
    "recording.start",
    "recording.stop",
    "recording.error",
    "recording.progress",
  ],
  system_health_update: ["system.health", "system.startup", "system.shutdown", "system.error"],
};

export type Filters = Record<string, string | number | boolean>;

/** One socket's topics; repeated subscribes add (union), unknown topics are kept as given. */
export class Subscriptions {
  private readonly topics = new Map<string, Filters>();

  add(topics: readonly string[], filters: Filters): void {
    for (const topic of topics) this.topics.set(topic, filters);
  }

  /** Removes the given topics (all when none given); returns what was removed. */
  remove(topics?: readonly string[]): string[] {
    const removed =
      topics && topics.length > 0
        ? topics.filter((topic) => this.topics.has(topic))
        : [...this.topics.keys()];
    for (const topic of removed) this.topics.delete(topic);
    return removed;
  }

  list(): string[] {
    return [...this.topics.keys()];
  }

  /** Whether an event on `topic` with these params goes to this socket. */
  wants(topic: string, params: Record<string, unknown>): boolean {
    const matches = (filters: Filters) =>
      Object.entries(filters).every(([key, value]) => params[key] === value);
    const direct = this.topics.get(topic);
    if (direct && matches(direct)) return true;
    for (const [alias, family] of Object.entries(ALIASES)) {
      const filters = this.topics.get(alias);
      if (filters && family.includes(topic) && matches(filters)) return true;
    }
    return false;
  }
}
