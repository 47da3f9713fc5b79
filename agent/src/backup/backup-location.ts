// Where backups are kept by default and how `backup create` names them: all the agent needs to
// list, serve and delete them, without loading the archive code until one is made.
import { join } from "node:path";
import type { AgentConfig } from "../config/schema.ts";

/** The default place for backups: the state directory (the data partition on the appliance). */
export function backupDirectory(config: AgentConfig): string {
  return join(config.state.dir, "backups");
}

/** The names `backup create` gives archives in the default directory: one path component. */
export const ARCHIVE_NAME = /^camera-agent-[A-Za-z0-9._-]+-\d{8}T\d{6}Z\.tar\.gz(\.gpg)?$/;
