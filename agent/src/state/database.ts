import { Database } from "bun:sqlite";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";

/** Schema steps, applied in order once each; user_version records how many ran. */
const MIGRATIONS = [
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
];

/** The schema version this agent writes (PRAGMA user_version after every migration). */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** The agent's SQLite database (WAL, full sync: an id must survive a power cut). */
export function openDatabase(path: string): Database {
  mkdirSync(dirname(path), { recursive: true });
  // Private to the agent's user whatever the umask: SQLite gives the -wal and -shm files the
  // database file's mode, so the file is made 0600 before SQLite creates them.
  closeSync(openSync(path, "a", 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (existsSync(file)) chmodSync(file, 0o600);
  }
  const db = new Database(path, { create: true, strict: true });
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA busy_timeout = 5000");
  const { user_version: version } = db.query("PRAGMA user_version").get() as {
    user_version: number;
  };
  if (version > MIGRATIONS.length) {
    throw new Error(
      `${path} has schema version ${version}, newer than this agent knows (${MIGRATIONS.length})`,
    );
  }
  db.transaction(() => {
    for (const migration of MIGRATIONS.slice(version)) db.exec(migration);
    db.exec(`PRAGMA user_version = ${MIGRATIONS.length}`);
  })();
  return db;
}
