import type { Database } from "bun:sqlite";
import { isoUtc } from "../util/time.ts";
import type { Camera, CameraStatus } from "./types.ts";

export interface CameraChange {
  camera: Camera;
  previous: CameraStatus | undefined;
}

type Listener = (change: CameraChange) => void;

/** Live fields a discovery source reports for a camera it sees. */
export type Observation = Pick<Camera, "status" | "error" | "node" | "stablePath" | "capabilities">;

/**
 * The one source of truth for cameras. Ids (`camera<N>`) are allocated once per identity,
 * lowest free N first, and persisted, so they survive replug, restarts and reboots.
 */
export class CameraRegistry {
  private readonly cameras = new Map<string, Camera>();
  private readonly listeners = new Set<Listener>();

  constructor(private readonly db: Database) {
    const rows = db
      .query("SELECT id, identity, kind, name FROM cameras ORDER BY number")
      .all() as Array<{
      id: string;
      identity: string;
      kind: "usb";
      name: string;
    }>;
    for (const row of rows) this.cameras.set(row.id, unseen(row));
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(): Camera[] {
    return [...this.cameras.values()].sort((a, b) => numberOf(a.id) - numberOf(b.id));
  }

  get(id: string): Camera | undefined {
    return this.cameras.get(id);
  }

  byIdentity(identity: string): Camera | undefined {
    for (const camera of this.cameras.values()) if (camera.identity === identity) return camera;
    return undefined;
  }

  /** The camera for an identity, allocating and persisting its id the first time. */
  ensure(identity: string, kind: "usb", name: string): Camera {
    const known = this.byIdentity(identity);
    if (known) return known;
    const allocate = this.db.transaction(() => {
      const used = this.db.query("SELECT number FROM cameras ORDER BY number").all() as Array<{
        number: number;
      }>;
      let number = 0;
      for (const row of used) {
        if (row.number !== number) break;
        number++;
      }
      const id = `camera${number}`;
      this.db
        .query(
          "INSERT INTO cameras (id, number, identity, kind, name, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .run(id, number, identity, kind, name, isoUtc());
      return id;
    });
    const camera = unseen({ id: allocate(), identity, kind, name });
    this.cameras.set(camera.id, camera);
    return camera;
  }

  /** Applies what a source observed; listeners hear about it when anything visible changed. */
  observe(id: string, observation: Observation): void {
    const camera = this.cameras.get(id);
    if (!camera) return;
    const previous = camera.status;
    const changed =
      camera.status !== observation.status ||
      camera.error !== observation.error ||
      camera.node !== observation.node ||
      camera.stablePath !== observation.stablePath ||
      JSON.stringify(camera.capabilities) !== JSON.stringify(observation.capabilities);
    Object.assign(camera, observation);
    if (observation.status === "CONNECTED") {
      camera.lastSeen = Date.now();
      if (previous !== "CONNECTED") {
        this.db
          .query("UPDATE cameras SET last_seen = ? WHERE id = ?")
          .run(isoUtc(camera.lastSeen), id);
      }
    }
    if (!changed) return;
    const snapshot = { ...camera };
    for (const listener of this.listeners) listener({ camera: snapshot, previous });
  }
}

/** A known camera before any source has reported on it in this run. */
function unseen(known: Pick<Camera, "id" | "identity" | "kind" | "name">): Camera {
  return {
    ...known,
    status: "DISCONNECTED",
    error: undefined,
    node: undefined,
    stablePath: undefined,
    capabilities: undefined,
    lastSeen: undefined,
  };
}

function numberOf(id: string): number {
  return Number(id.slice("camera".length));
}
