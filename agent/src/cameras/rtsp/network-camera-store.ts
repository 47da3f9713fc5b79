import type { Database } from "bun:sqlite";

/** How the agent reaches a network camera. The password is a secret: it never leaves the agent. */
export interface NetworkCameraRecord {
  id: string;
  /** rtsp://… without a login (camera-url.ts). */
  url: string;
  username: string;
  password: string;
}

/**
 * Network cameras' URLs and logins, in the agent's database (0600, the agent's user only;
 * backups carry it, see docs/backup.md). Rows are written in the registry's transaction.
 */
export class NetworkCameraStore {
  constructor(private readonly db: Database) {}

  all(): NetworkCameraRecord[] {
    return this.db
      .query(
        `SELECT n.id, n.url, n.username, n.password FROM network_cameras n
         JOIN cameras c ON c.id = n.id WHERE c.removed_at IS NULL`,
      )
      .all() as NetworkCameraRecord[];
  }

  get(id: string): NetworkCameraRecord | undefined {
    return (
      (this.db
        .query("SELECT id, url, username, password FROM network_cameras WHERE id = ?")
        .get(id) as NetworkCameraRecord | null) ?? undefined
    );
  }

  put(record: NetworkCameraRecord): void {
    this.db
      .query(
        `INSERT INTO network_cameras (id, url, username, password) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET url = excluded.url, username = excluded.username,
         password = excluded.password`,
      )
      .run(record.id, record.url, record.username, record.password);
  }

  /** Forgets the login too: a removed camera keeps no secret. */
  delete(id: string): void {
    this.db.query("DELETE FROM network_cameras WHERE id = ?").run(id);
  }
}
