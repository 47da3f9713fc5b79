import { extname } from "node:path";
import { z } from "zod";
import { downloadUrl } from "../../media/download-url.ts";
import {
  deleteMediaFile,
  directoryFor,
  FILENAME,
  type FileKind,
  listMediaFiles,
  mediaFile,
  newestRecording,
} from "../../media/files.ts";
import type { AgentServices } from "../../services.ts";
import { isoUtc } from "../../util/time.ts";
import { rpcErrors } from "../errors.ts";
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
  const directory = (services: AgentServices) => directoryFor(services.config, kind);
  const link = (services: AgentServices, client: { host: string; port: number }, name: string) =>
    downloadUrl(services.config, services.downloads, client, kind, name);
  const find = async (services: AgentServices, name: string) => {
    const file = await mediaFile(directory(services), kind, name);
    if (!file) throw rpcErrors.notFound(one, name);
    return file;
  };
  return [
    defineMethod({
      name: `list_${kind}`,
      role: "viewer",
      description: `The ${kind}, newest first, a page at a time (limit 1-1000, default 50).`,
      params: page,
      handler: async ({ limit = 50, offset = 0 }, { services, connection }) => {
        const { files, total } = await listMediaFiles(directory(services), kind, limit, offset);
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
        const file = await find(services, name);
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
          device: /^(camera\d+)_/.exec(file.name)?.[1] ?? null,
        };
      },
    }),
    defineMethod({
      name: `delete_${one}`,
      role: "admin",
      description: `Deletes one ${one}.`,
      params: z.object({ filename }),
      handler: async ({ filename: name }, { services }) => {
        const file = await find(services, name);
        if (kind === "recordings" && (await beingWritten(services, file.name))) {
          throw rpcErrors.invalidState(
            "RECORDING",
            "this is the segment the camera is recording into now",
          );
        }
        await deleteMediaFile(file);
        services.log.info({ file: `${kind}/${file.name}` }, `${one} deleted`);
        return { filename: file.name, deleted: true, message: `${one} deleted` };
      },
    }),
  ];
}

/** The newest segment of a camera that is recording right now is still being written. */
async function beingWritten(services: AgentServices, name: string): Promise<boolean> {
  const device = /^(camera\d+)_/.exec(name)?.[1];
  if (!device || !services.recorder.active(device)) return false;
  return (await newestRecording(services.config, device))?.name === name;
}

export const recordingFileMethods = fileMethods("recordings", "recording");
export const snapshotFileMethods = fileMethods("snapshots", "snapshot");
