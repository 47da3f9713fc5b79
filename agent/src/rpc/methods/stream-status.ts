import { z } from "zod";
import { streamUrls } from "../../media/stream-urls.ts";
import { isoUtc } from "../../util/time.ts";
import { defineMethod } from "../method.ts";
import { deviceId } from "../params.ts";

export const getStreams = defineMethod({
  name: "get_streams",
  role: "viewer",
  description: "Every MediaMTX path: name, source kind, ready, readers, bytes sent.",
  params: z.object({}),
  handler: async (_params, { services }) =>
    (await services.streamStatus.all()).map((path) => ({
      name: path.name,
      // The source's kind, never a device path or credentials (contract D11).
      source: path.sourceType ?? "none",
      ready: path.available,
      readers: path.readers,
      bytes_sent: path.outboundBytes,
    })),
});

export const getStreamUrl = defineMethod({
  name: "get_stream_url",
  role: "viewer",
  description:
    "The camera's RTSP URL (and HLS, WebRTC) even when no stream runs yet, and whether one does.",
  params: z.object({ device: deviceId }),
  handler: async ({ device }, { services, connection }) => {
    const camera = services.cameras.get(device);
    const urls = streamUrls(services.config, connection.host, camera.id);
    const { streamStatus } = services;
    // The URL is always given (clients depend on it); readiness is reported, not required.
    const path = streamStatus.available
      ? await streamStatus.path(camera.id).catch(() => undefined)
      : undefined;
    return {
      device: camera.id,
      stream_name: camera.id,
      stream_url: urls.rtsp,
      hls_url: urls.hls,
      webrtc_url: urls.webrtc,
      available: path?.available ?? false,
      active_consumers: path?.readers ?? 0,
      stream_status: !streamStatus.available ? "ERROR" : path?.available ? "READY" : "NOT_READY",
    };
  },
});

export const getStreamStatus = defineMethod({
  name: "get_stream_status",
  role: "viewer",
  description: "The camera's MediaMTX path: whether it exists and is ready, readers, traffic.",
  params: z.object({ device: deviceId }),
  handler: async ({ device }, { services }) => {
    const camera = services.cameras.get(device);
    const path = await services.streamStatus.path(camera.id);
    const published = services.cameras.publishes(camera);
    return {
      device: camera.id,
      stream_name: camera.id,
      status: path?.available ? "ACTIVE" : path || published ? "INACTIVE" : "ERROR",
      ready: path?.available ?? false,
      // MediaMTX runs the publisher; it does not report the process, so none is claimed.
      ffmpeg_process: {
        running: path?.available === true && path.sourceType !== undefined,
        pid: 0,
        uptime: 0,
      },
      mediamtx_path: {
        exists: path !== undefined,
        ready: path?.available ?? false,
        readers: path?.readers ?? 0,
      },
      metrics: { bytes_sent: path?.outboundBytes ?? 0, frames_sent: 0, bitrate: 0, fps: 0 },
      start_time: isoUtc(),
    };
  },
});
