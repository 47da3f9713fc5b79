import type { Database } from "bun:sqlite";

/** How the agent reaches a network camera. The password is a secret: it never leaves the agent. */
export interface NetworkCameraRecord {
  id: string;
  /** rtsp://… without a login (camera-url.ts). */
  url: string;
  username: string;
  password: string;
  /** ONVIF cameras: the device service URL, the media profile used and its snapshot URI. */
  onvif?: { address: string; profile: string; snapshotUrl: string | undefined };
}

/** A network camera added by its ONVIF address. */
export type OnvifCameraRecord = NetworkCameraRecord & {
  onvif: NonNullable<NetworkCameraRecord["onvif"]>;
};

interface Row {
  id: string;
  url: string;
  username: string;
  password: string;
  onvif_address: string | null;
  profile: string | null;
  snapshot_url: string | null;
}

const COLUMNS = "n.id, n.url, n.username, n.password, n.onvif_address, n.profile, n.snapshot_url";

function fromRow(row: Row): NetworkCameraRecord {
  const { id, url, username, password } = row;
  return {
    id,
    url,
    username,
    password,
    ...(row.onvif_address
      ? {
          onvif: {
            address: row.onvif_address,
            profile: row.profile ?? "",
            snapshotUrl: row.snapshot_url ?? undefined,
          },
        }
      : {}),
  };
}

/**
 * Network cameras' URLs and logins, in the agent's database (0600, the agent's user only;
 * backups carry it, see docs/backup.md). Rows are written in the registry's transaction.
 * Read from memory: every camera view and every apply asks for them, per camera and client.
 */
export class NetworkCameraStore {
  private readonly records = new Map<string, NetworkCameraRecord>();

  constructor(private readonly db: Database) {
    const rows = db
      .query(
        `SELECT ${COLUMNS} FROM network_cameras n
         JOIN cameras c ON c.id = n.id WHERE c.removed_at IS NULL`,
      )
      .all() as Row[];
    for (const row of rows) this.records.set(row.id, fromRow(row));
  }

  all(): NetworkCameraRecord[] {
    return [...this.records.values()];
  }

  get(id: string): NetworkCameraRecord | undefined {
    return this.records.get(id);
  }

  put(record: NetworkCameraRecord): void {
    this.db
      .query(
        `INSERT INTO network_cameras (id, url, username, password, onvif_address, profile, snapshot_url)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET url = excluded.url, username = excluded.username,
         password = excluded.password, onvif_address = excluded.onvif_address,
         profile = excluded.profile, snapshot_url = excluded.snapshot_url`,
      )
      .run(
        record.id,
        record.url,
        record.username,
        record.password,
        record.onvif?.address ?? null,
        record.onvif?.profile ?? null,
        record.onvif?.snapshotUrl ?? null,
      );
    this.records.set(record.id, record);
  }

  /** Forgets the login too: a removed camera keeps no secret. */
  delete(id: string): void {
    this.db.query("DELETE FROM network_cameras WHERE id = ?").run(id);
    this.records.delete(id);
  }
}
