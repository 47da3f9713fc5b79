import { extname } from "node:path";
import { z } from "zod";
import { cameraOfFile } from "../../camera-ids.ts";
import { downloadUrl } from "../../media/download-url.ts";
import { FILENAME, type FileKind } from "../../media/storage-layout.ts";
import type { AgentServices } from "../../services.ts";
import { isoUtc } from "../../util/time.ts";
import { defineMethod, type RpcMethod } from "../method.ts";

const filename = z
  .string()
  .regex(FILENAME, { message: "must be a plain file name (letters, digits, . _ -)" });
const page = z.object({
  limit: z.number().int().min(1).max(1000).optional(),
  offset: z.number().int().min(0).optional(),
});

/** list_<kind>, get_<one>_info, delete_<one> for one kind of media file. */
function fileMethods(kind: FileKind, one: "recording" | "snapshot"): RpcMethod[] {
  const link = (services: AgentServices, client: { host: string; port: number }, name: string) =>
    downloadUrl(services.config, services.downloads, client, kind, name);
  return [
    defineMethod({
      name: `list_${kind}`,
      role: "viewer",
      description: `The ${kind}, newest first, a page at a time (limit 1-1000, default 50).`,
      params: page,
      handler: async ({ limit = 50, offset = 0 }, { services, connection }) => {
        const { files, total } = await services.library.list(kind, limit, offset);
        return {
          files: files.map((file) => ({
            filename: file.name,
            file_size: file.size,
            modified_time: isoUtc(file.modified),
            download_url: link(services, connection, file.name),
          })),
          total,
          limit,
          offset,
        };
      },
    }),
    defineMethod({
      name: `get_${one}_info`,
      role: "viewer",
      description: `Size, times and a download URL of one ${one}.`,
      params: z.object({ filename }),
      handler: async ({ filename: name }, { services, connection }) => {
        const file = await services.library.get(kind, name);
        return {
          filename: file.name,
          file_size: file.size,
          // A segment's file is created when it starts and last written when it ends.
          ...(kind === "recordings"
            ? { duration: Math.max(0, Math.round((file.modified - file.created) / 1000)) }
            : {}),
          created_time: isoUtc(file.created),
          modified_time: isoUtc(file.modified),
          download_url: link(services, connection, file.name),
          format: extname(file.name).slice(1),
          device: cameraOfFile(file.name) ?? null,
        };
      },
    }),
    defineMethod({
      name: `delete_${one}`,
      role: "admin",
      description: `Deletes one ${one}.`,
      params: z.object({ filename }),
      handler: async ({ filename: name }, { services }) => {
        const file = await services.library.delete(kind, name);
        return { filename: file.name, deleted: true, message: `${one} deleted` };
      },
    }),
  ];
}

export const recordingFileMethods = fileMethods("recordings", "recording");
export const snapshotFileMethods = fileMethods("snapshots", "snapshot");
