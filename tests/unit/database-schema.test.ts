// Data across A/B updates: a newer agent migrating the database forward keeps a copy for the
// older one, and the older agent, after a rollback, starts on that copy instead of refusing
// a schema it does not know. Real SQLite files (bun:sqlite).
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../agent/src/log/logger.ts";
import {
  keptForSchema,
  MIGRATIONS,
  openDatabase,
  SCHEMA_VERSION,
} from "../../agent/src/state/database.ts";

let work = "";
afterEach(() => rmSync(work, { recursive: true, force: true }));

const NEWER = ["CREATE TABLE zones (id TEXT PRIMARY KEY)"];

function cameraIds(path: string, migrations?: readonly string[]): string[] {
  const db = openDatabase(path, migrations);
  try {
    return (db.query("SELECT id FROM cameras ORDER BY id").all() as Array<{ id: string }>).map(
      (row) => row.id,
    );
  } finally {
    db.close();
  }
}

function addCamera(path: string, id: string, number: number, migrations?: readonly string[]): void {
  const db = openDatabase(path, migrations);
  db.query(
    "INSERT INTO cameras (id, number, identity, kind, name, created_at) VALUES (?, ?, ?, 'usb', ?, '2026-12-02T00:00:00Z')",
  ).run(id, number, `usb:${id}`, id);
  db.close();
}

describe("database schema across updates and rollbacks", () => {
  test("a migration keeps a 0600 copy for the older version; the rollback starts on it", () => {
    work = mkdtempSync(join(tmpdir(), "schema-"));
    const path = join(work, "agent.db");
    addCamera(path, "camera0", 0);
    // The update: a newer agent with one more migration.
    const newer = [...MIGRATIONS, ...NEWER];
    addCamera(path, "camera1", 1, newer);
    const kept = keptForSchema(path, SCHEMA_VERSION);
    expect(statSync(kept).mode & 0o777).toBe(0o600);

    // The rollback: the older agent finds a newer schema, starts on the kept copy, and says so.
    const lines: string[] = [];
    const log = createLogger("info", { write: (line: string) => lines.push(line) });
    const db = openDatabase(path, MIGRATIONS, log);
    expect(db.query("SELECT id FROM cameras").all()).toEqual([{ id: "camera0" }]);
    db.close();
    expect(existsSync(keptForSchema(path, SCHEMA_VERSION + 1))).toBe(true);
    expect(existsSync(kept)).toBe(false);
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({
        level: "warn",
        newer: keptForSchema(path, SCHEMA_VERSION + 1),
        msg: expect.stringContaining(
          `database schema ${SCHEMA_VERSION + 1} is newer than this agent's (${SCHEMA_VERSION})`,
        ),
      }),
    ]);

    // The newer version installed again migrates the older data forward again.
    expect(cameraIds(path, newer)).toEqual(["camera0"]);
  });

  test("a newer schema with no kept copy is refused, naming both versions", () => {
    work = mkdtempSync(join(tmpdir(), "schema-"));
    const path = join(work, "agent.db");
    cameraIds(path, [
      "CREATE TABLE cameras (id TEXT)",
      "CREATE TABLE a (x)",
      "CREATE TABLE b (x)",
      "CREATE TABLE c (x)",
      "CREATE TABLE d (x)",
      "CREATE TABLE e (x)",
      "CREATE TABLE f (x)",
    ]);
    expect(() => cameraIds(path)).toThrow(
      `has schema version 7, newer than this agent knows (${SCHEMA_VERSION}), and no copy from before that migration`,
    );
  });
});
