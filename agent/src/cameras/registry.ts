import type { Database } from "bun:sqlite";
import { cameraId, cameraNumber } from "../camera-ids.ts";
import { isoUtc } from "../util/time.ts";
import type { Camera, CameraSource, CameraStatus, SourceKind } from "./types.ts";

export interface CameraChange {
  camera: Camera;
  previous: CameraStatus | undefined;
}

type Listener = (change: CameraChange) => void;

/** Live fields a source reports for a camera it sees. */
export type Observation = Pick<Camera, "status" | "error" | "source">;

/**
 * The one source of truth for cameras. Ids (`camera<N>`) are allocated once per identity,
 * lowest free N first, and persisted, so they survive replug, restarts and reboots.
 */
export class CameraRegistry {
  private readonly cameras = new Map<string, Camera>();
  private readonly listeners = new Set<Listener>();

  constructor(private readonly db: Database) {
    const rows = db
      .query(
        "SELECT id, identity, kind, name FROM cameras WHERE removed_at IS NULL ORDER BY number",
      )
      .all() as Array<{ id: string; identity: string; kind: SourceKind; name: string }>;
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

  /**
   * The camera for an identity, allocating and persisting its id the first time. A removed
   * camera's identity gets its old id back (and `name`). `also` runs in the same transaction
   * (the source's own rows), so a camera is never stored without them.
   */
  ensure(identity: string, kind: SourceKind, name: string, also?: (id: string) => void): Camera {
    const known = this.byIdentity(identity);
    if (known) {
      if (also) this.db.transaction(() => also(known.id))();
      return known;
    }
    const allocate = this.db.transaction(() => {
      const id = this.allocate(identity, kind, name);
      also?.(id);
      return id;
    });
    const camera = unseen({ id: allocate(), identity, kind, name });
    this.cameras.set(camera.id, camera);
    return camera;
  }

  /** Inside ensure's transaction: a removed camera's id back, else the lowest free number. */
  private allocate(identity: string, kind: SourceKind, name: string): string {
    const removed = this.db
      .query("SELECT id FROM cameras WHERE identity = ? AND removed_at IS NOT NULL")
      .get(identity) as { id: string } | null;
    if (removed) {
      this.db
        .query("UPDATE cameras SET removed_at = NULL, kind = ?, name = ? WHERE id = ?")
        .run(kind, name, removed.id);
      return removed.id;
    }
    const used = this.db.query("SELECT number FROM cameras ORDER BY number").all() as Array<{
      number: number;
    }>;
    let number = 0;
    for (const row of used) {
      if (row.number !== number) break;
      number++;
    }
    const id = cameraId(number);
    this.db
      .query(
        "INSERT INTO cameras (id, number, identity, kind, name, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      )
      .run(id, number, identity, kind, name, isoUtc());
    return id;
  }

  /** A camera's identity changed (a network camera given a new address): same id. */
  reidentify(id: string, identity: string): void {
    const camera = this.cameras.get(id);
    if (!camera || camera.identity === identity) return;
    this.db.query("UPDATE cameras SET identity = ? WHERE id = ?").run(identity, id);
    camera.identity = identity;
  }

  /** Renames a camera; listeners hear about it. */
  rename(id: string, name: string): void {
    const camera = this.cameras.get(id);
    if (!camera || camera.name === name) return;
    this.db.query("UPDATE cameras SET name = ? WHERE id = ?").run(name, id);
    camera.name = name;
    this.notify(camera, camera.status);
  }

  /**
   * Forgets a camera: listeners hear it go DISCONNECTED, then it is no longer listed. Its row
   * stays (marked removed) so its number is never reused. `also` runs in the same transaction
   * (the source's own rows).
   */
  remove(id: string, also: () => void = () => {}): void {
    const camera = this.cameras.get(id);
    if (!camera) return;
    this.db.transaction(() => {
      this.db.query("UPDATE cameras SET removed_at = ? WHERE id = ?").run(isoUtc(), id);
      also();
    })();
    this.cameras.delete(id);
    const previous = camera.status;
    camera.status = "DISCONNECTED";
    camera.error = undefined;
    this.notify(camera, previous);
  }

  /** Applies what a source observed; listeners hear about it when anything visible changed. */
  observe(id: string, observation: Observation): void {
    const camera = this.cameras.get(id);
    if (!camera) return;
    const previous = camera.status;
    const changed =
      camera.status !== observation.status ||
      camera.error !== observation.error ||
      JSON.stringify(camera.source) !== JSON.stringify(observation.source);
    Object.assign(camera, observation);
    if (observation.status === "CONNECTED") {
      camera.lastSeen = Date.now();
      if (previous !== "CONNECTED") {
        this.db
          .query("UPDATE cameras SET last_seen = ? WHERE id = ?")
          .run(isoUtc(camera.lastSeen), id);
      }
    }
    if (changed) this.notify(camera, previous);
  }

  private notify(camera: Camera, previous: CameraStatus): void {
    const snapshot = { ...camera, source: { ...camera.source } };
    for (const listener of this.listeners) listener({ camera: snapshot, previous });
  }
}

/** A known camera before any source has reported on it in this run. */
function unseen(known: { id: string; identity: string; kind: SourceKind; name: string }): Camera {
  return {
    id: known.id,
    identity: known.identity,
    name: known.name,
    status: "DISCONNECTED",
    error: undefined,
    lastSeen: undefined,
    source: emptySource(known.kind),
  };
}

function emptySource(kind: SourceKind): CameraSource {
  switch (kind) {
    case "usb":
      return { kind, node: undefined, stablePath: undefined, capabilities: undefined };
    case "rtsp":
    case "onvif":
      return { kind, capabilities: undefined };
  }
}

function numberOf(id: string): number {
  return cameraNumber(id) ?? Number.MAX_SAFE_INTEGER;
}
