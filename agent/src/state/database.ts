import { Database } from "bun:sqlite";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "../log/logger.ts";

/** Schema steps, applied in order once each; user_version records how many ran. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE cameras (
     id TEXT PRIMARY KEY,
     number INTEGER NOT NULL UNIQUE,
     identity TEXT NOT NULL UNIQUE,
     kind TEXT NOT NULL,
     name TEXT NOT NULL,
     created_at TEXT NOT NULL,
     last_seen TEXT
   )`,
  "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
  `CREATE TABLE active_recordings (
     device TEXT PRIMARY KEY,
     started_at INTEGER NOT NULL,
     stop_at INTEGER,
     format TEXT NOT NULL
   )`,
  // A removed network camera keeps its row (and number) so its id is never given to another
  // camera: recordings named camera<N>_… stay its own. Adding the same stream again revives it.
  "ALTER TABLE cameras ADD COLUMN removed_at TEXT",
  `CREATE TABLE network_cameras (
     id TEXT PRIMARY KEY REFERENCES cameras(id),
     url TEXT NOT NULL,
     username TEXT NOT NULL DEFAULT '',
     password TEXT NOT NULL DEFAULT '',
     onvif_address TEXT,
     profile TEXT,
     snapshot_url TEXT
   )`,
];

/** The schema version this agent writes (PRAGMA user_version after every migration). */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Where a database keeps its copy from before a migration to a newer schema: what the older
 * agent finds after an A/B rollback (docs/update.md).
 */
export function keptForSchema(path: string, version: number): string {
  return `${path}.schema${version}`;
}

function schemaVersion(db: Database): number {
  return (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
}

function makePrivate(path: string): void {
  // Private to the agent's user whatever the umask: SQLite gives the -wal and -shm files the
  // database file's mode, so the file is made 0600 before SQLite creates them.
  closeSync(openSync(path, "a", 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (existsSync(file)) chmodSync(file, 0o600);
  }
}

function connect(path: string): Database {
  makePrivate(path);
  const db = new Database(path, { create: true, strict: true });
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA busy_timeout = 5000");
  return db;
}

/**
 * A database newer than this agent (written after an update that was then rolled back): the
 * copy that update kept before migrating goes back in place, and the newer database is kept
 * beside it for when that version returns. Without a kept copy, the agent cannot start.
 */
function rollBackSchema(path: string, db: Database, version: number, known: number): Database {
  const kept = keptForSchema(path, known);
  if (!existsSync(kept)) {
    db.close();
    throw new Error(
      `${path} has schema version ${version}, newer than this agent knows (${known}), and no copy from before that migration (${kept})`,
    );
  }
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close();
  for (const suffix of ["-wal", "-shm"]) rmSync(`${path}${suffix}`, { force: true });
  renameSync(path, keptForSchema(path, version));
  renameSync(kept, path);
  return connect(path);
}

/**
 * The agent's SQLite database (WAL, full sync: an id must survive a power cut). Before
 * migrating an existing database forward, a consistent copy is kept (keptForSchema), so the
 * previous version can start on it after a rollback.
 */
export function openDatabase(
  path: string,
  migrations: readonly string[] = MIGRATIONS,
  log?: Logger,
): Database {
  mkdirSync(dirname(path), { recursive: true });
  let db = connect(path);
  let version = schemaVersion(db);
  if (version > migrations.length) {
    db = rollBackSchema(path, db, version, migrations.length);
    // An operator reading the journal after a rollback learns where the newer data went.
    log?.warn(
      { path, newer: keptForSchema(path, version), schema: migrations.length },
      `database schema ${version} is newer than this agent's (${migrations.length}): started on the copy kept before that migration, the newer database kept beside it`,
    );
    version = schemaVersion(db);
  }
  if (version > 0 && version < migrations.length) {
    const kept = keptForSchema(path, version);
    rmSync(`${kept}.tmp`, { force: true });
    db.exec("VACUUM INTO ?", [`${kept}.tmp`]);
    chmodSync(`${kept}.tmp`, 0o600);
    renameSync(`${kept}.tmp`, kept);
  }
  db.transaction(() => {
    for (const migration of migrations.slice(version)) db.exec(migration);
    db.exec(`PRAGMA user_version = ${migrations.length}`);
  })();
  return db;
}
