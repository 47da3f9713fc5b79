import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cameraView } from "../../agent/src/cameras/camera-view.ts";
import { captureMode as chooseInput } from "../../agent/src/cameras/capture-mode.ts";
import type { Camera } from "../../agent/src/cameras/types.ts";
import { parseV4l2Info } from "../../agent/src/cameras/usb/v4l2-info.ts";
import { commandLine, publishArguments } from "../../agent/src/mediamtx/publish-command.ts";

const caps = (name: string) =>
  parseV4l2Info(readFileSync(join(import.meta.dir, "../fixtures/v4l2-ctl", name), "utf8"));
const camera = (
  fixture: string,
  stablePath = "/dev/v4l/by-id/usb-046d_HD_Pro_Webcam_C920_A1B2C3D4-video-index0",
): Camera => ({
  id: "camera0",
  identity: "usb:046d:082d:A1B2C3D4:0",
  kind: "usb",
  name: "HD Pro Webcam C920",
  status: "CONNECTED",
  error: undefined,
  node: "/dev/video0",
  stablePath,
  capabilities: caps(fixture),
  lastSeen: 0,
});
const options = { ffmpeg: "ffmpeg", encoder: "libx264" as const, user: "agent1", password: "pw" };

describe("publishing a USB camera", () => {
  test("H.264 cameras are passed through at their largest H.264 size", () => {
    const argv = publishArguments(camera("h264-camera.txt"), options) ?? [];
    expect(argv.slice(argv.indexOf("-input_format"), argv.indexOf("-i") + 2)).toEqual([
      "-input_format",
      "h264",
      "-video_size",
      "3840x2160",
      "-framerate",
      "30",
      "-i",
      "/dev/v4l/by-id/usb-046d_HD_Pro_Webcam_C920_A1B2C3D4-video-index0",
    ]);
    expect(argv).toContain("copy");
    expect(argv.at(-1)).toBe("rtsp://agent1:pw@127.0.0.1:$RTSP_PORT/$MTX_PATH");
  });

  test("MJPEG is preferred over YUYV and encoded to H.264; YUYV 1080p at 5 fps loses to MJPEG 1080p30", () => {
    expect(chooseInput(caps("uvc-mjpeg-yuyv.txt").formats)).toEqual({
      inputFormat: "mjpeg",
      format: { pixelFormat: "MJPG", width: 1920, height: 1080, fps: [30, 24] },
      fps: 30,
    });
    const argv =
      publishArguments(camera("uvc-mjpeg-yuyv.txt"), { ...options, encoder: "h264_v4l2m2m" }) ?? [];
    expect(argv.slice(argv.indexOf("-c:v"), argv.indexOf("-c:v") + 2)).toEqual([
      "-c:v",
      "h264_v4l2m2m",
    ]);
  });

  test("the mode the API reports is the mode captured, configured format included", () => {
    const c920 = camera("uvc-mjpeg-yuyv.txt");
    const reported = (preference?: { format?: string; resolution?: string; fps?: number }) => {
      const view = cameraView(c920, undefined, preference);
      return `${view.resolution}@${view.fps}`;
    };
    const captured = (preference?: { format?: string; resolution?: string; fps?: number }) => {
      const argv =
        publishArguments(c920, {
          ...options,
          preferences: preference && { camera0: preference },
        }) ?? [];
      const at = (flag: string) => argv[argv.indexOf(flag) + 1];
      return `${at("-video_size")}@${at("-framerate")}`;
    };
    // Not the largest frame the camera has (a slow YUYV one), but what is published.
    expect(reported()).toBe("1920x1080@30");
    expect(captured()).toBe("1920x1080@30");
    for (const preference of [
      { format: "YUYV" },
      { format: "YUYV", resolution: "640x480", fps: 15 },
      { resolution: "1280x720", fps: 15 },
      { format: "NV12" },
    ]) {
      expect({ preference, mode: reported(preference) }).toEqual({
        preference,
        mode: captured(preference),
      });
    }
    expect(chooseInput(c920.capabilities?.formats ?? [], { format: "YUYV" })?.inputFormat).toBe(
      "yuyv422",
    );
    // A format the camera does not offer falls back to the default.
    expect(chooseInput(c920.capabilities?.formats ?? [], { format: "NV12" })?.inputFormat).toBe(
      "mjpeg",
    );
  });

  test("a camera that only offers slow large frames uses the largest fast-enough one", () => {
    const formats = [
      { pixelFormat: "YUYV", width: 1920, height: 1080, fps: [5] },
      { pixelFormat: "YUYV", width: 640, height: 480, fps: [30] },
    ];
    expect(chooseInput(formats)?.format.width).toBe(640);
  });

  test("a configured size and rate win when the camera offers them; otherwise the best default", () => {
    const formats = caps("uvc-mjpeg-yuyv.txt").formats;
    expect(chooseInput(formats, { resolution: "1280x720", fps: 15 })).toEqual({
      inputFormat: "mjpeg",
      format: { pixelFormat: "MJPG", width: 1280, height: 720, fps: [30, 15] },
      fps: 15,
    });
    expect(chooseInput(formats, { resolution: "1280x720", fps: 20 })?.fps).toBe(15);
    expect(chooseInput(formats, { resolution: "999x999" })?.format.width).toBe(1920);
    const argv =
      publishArguments(camera("uvc-mjpeg-yuyv.txt"), {
        ...options,
        preferences: { camera0: { resolution: "640x480" } },
      }) ?? [];
    expect(argv.slice(argv.indexOf("-video_size"), argv.indexOf("-video_size") + 4)).toEqual([
      "-video_size",
      "640x480",
      "-framerate",
      "30",
    ]);
  });

  test("no capabilities or no stable path: nothing to publish", () => {
    expect(
      publishArguments({ ...camera("uvc-mjpeg-yuyv.txt"), capabilities: undefined }, options),
    ).toBeUndefined();
    expect(publishArguments(camera("uvc-metadata-node.txt"), options)).toBeUndefined();
  });

  test("the command line splits back into the same arguments, even for hostile device names", () => {
    const hostile = "/dev/v4l/by-id/usb-Evil_'$(reboot)';_`id`-video-index0";
    const argv =
      publishArguments(camera("uvc-mjpeg-yuyv.txt", hostile), {
        ...options,
        password: "p'w d$x",
      }) ?? [];
    const line = commandLine(argv);
    // Split by a real POSIX shell that only prints its arguments; MediaMTX's variables set.
    const result = Bun.spawnSync(["/bin/sh", "-c", `printf '%s\\n' ${line}`], {
      env: { RTSP_PORT: "8554", MTX_PATH: "camera0", PATH: "/usr/bin:/bin" },
    });
    const split = result.stdout.toString().trimEnd().split("\n");
    expect(split).toEqual(
      argv.map((argument) =>
        argument.replace("$RTSP_PORT", "8554").replace("$MTX_PATH", "camera0"),
      ),
    );
    expect(split).toContain(hostile);
  });
});
