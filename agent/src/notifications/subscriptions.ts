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

/**
 * Most topics one socket may hold: every event is matched against each, and a viewer must not
 * be able to grow the agent's memory without bound by subscribing to ever new names.
 */
export const MAX_TOPICS_PER_SOCKET = 64;

export type Filters = Record<string, string | number | boolean>;

/** One socket's topics; repeated subscribes add (union), unknown topics are kept as given. */
export class Subscriptions {
  private readonly topics = new Map<string, Filters>();

  get size(): number {
    return this.topics.size;
  }

  /**
   * Adds the topics with these filters; false (and nothing added) when that would take the
   * socket past MAX_TOPICS_PER_SOCKET.
   */
  add(topics: readonly string[], filters: Filters): boolean {
    const fresh = new Set(topics.filter((topic) => !this.topics.has(topic)));
    if (this.topics.size + fresh.size > MAX_TOPICS_PER_SOCKET) return false;
    // A copy without a prototype: filter keys are the caller's strings ("__proto__" included).
    const own: Filters = Object.assign(Object.create(null), filters);
    for (const topic of topics) this.topics.set(topic, own);
    return true;
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
      Object.entries(filters).every(
        ([key, value]) => Object.hasOwn(params, key) && params[key] === value,
      );
    const direct = this.topics.get(topic);
    if (direct && matches(direct)) return true;
    for (const [alias, family] of Object.entries(ALIASES)) {
      const filters = this.topics.get(alias);
      if (filters && family.includes(topic) && matches(filters)) return true;
    }
    return false;
  }
}
