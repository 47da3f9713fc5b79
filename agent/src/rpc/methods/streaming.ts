import { z } from "zod";
import { commandLine, publishArguments } from "../../mediamtx/publish-command.ts";
import { streamUrls } from "../../mediamtx/stream-urls.ts";
import { isoUtc } from "../../util/time.ts";
import { rpcErrors } from "../errors.ts";
import { defineMethod } from "../method.ts";
import { deviceId } from "../params.ts";
import { cameraOr404 } from "./camera-lookup.ts";
import { mediamtxCall } from "./mediamtx-call.ts";

export const startStreaming = defineMethod({
  name: "start_streaming",
  role: "operator",
  description: "Keeps the camera's publisher running (instead of on demand) until stop_streaming.",
  params: z.object({ device: deviceId }),
  async handler({ device }, { services, connection }) {
    const camera = cameraOr404(services, device);
    if (camera.status !== "CONNECTED")
      throw rpcErrors.invalidState(camera.status, "the camera is not connected");
    const publish = services.mediamtx.reconciler.publishing();
    const argv = publishArguments(camera, publish);
    if (!argv)
      throw rpcErrors.invalidState(
        "NOT_PUBLISHABLE",
        "the camera offers no format that can be published",
      );
    const since = services.mediamtx.streaming.get(camera.id) ?? Date.now();
    services.mediamtx.streaming.set(camera.id, since);
    try {
      await mediamtxCall(services, () => services.mediamtx.reconciler.apply());
    } catch (error) {
      services.mediamtx.streaming.delete(camera.id);
      throw error;
    }
    // Contract D11: no credentials and no device path in what clients see.
    const shown = argv.map((argument) =>
      argument === camera.stablePath ? camera.id : argument.replace(/\/\/[^@/]+@/, "//***@"),
    );
    return {
      device: camera.id,
      stream_name: camera.id,
      stream_url: streamUrls(services.config, connection.host, camera.id).rtsp,
      status: "STARTED",
      start_time: isoUtc(since),
      auto_close_after: "0s",
      ffmpeg_command: commandLine(shown),
    };
  },
});

export const stopStreaming = defineMethod({
  name: "stop_streaming",
  role: "operator",
  description:
    "Returns the camera to on-demand publishing; viewers still watching keep it running.",
  params: z.object({ device: deviceId }),
  async handler({ device }, { services }) {
    const camera = cameraOr404(services, device);
    const since = services.mediamtx.streaming.get(camera.id);
    if (since === undefined)
      throw rpcErrors.invalidState(
        "NOT_STREAMING",
        "start_streaming was not called for this camera",
      );
    services.mediamtx.streaming.delete(camera.id);
    await mediamtxCall(services, () => services.mediamtx.reconciler.apply());
    const path = await mediamtxCall(services, () => services.mediamtx.client.getPath(camera.id));
    const continues = services.config.streams.mode === "on_init" || (path?.readers ?? 0) > 0;
    const now = Date.now();
    return {
      device: camera.id,
      stream_name: camera.id,
      status: "STOPPED",
      start_time: isoUtc(since),
      end_time: isoUtc(now),
      duration: Math.round((now - since) / 1000),
      stream_continues: continues,
      message: continues
        ? "the stream continues for its other consumers"
        : "the publisher stops with its last viewer",
    };
  },
});
