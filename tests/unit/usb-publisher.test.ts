import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cameraView } from "../../agent/src/cameras/camera-view.ts";
import type { ModePreference } from "../../agent/src/cameras/capture-mode.ts";
import { captureMode as chooseInput } from "../../agent/src/cameras/capture-mode.ts";
import { CameraSources } from "../../agent/src/cameras/source.ts";
import type { Camera, UsbSource } from "../../agent/src/cameras/types.ts";
import { resolveEncoder } from "../../agent/src/cameras/usb/encoder.ts";
import { publishArguments, UsbPublisher } from "../../agent/src/cameras/usb/usb-publisher.ts";
import { parseV4l2Info } from "../../agent/src/cameras/usb/v4l2-info.ts";
import { commandLine } from "../../agent/src/util/command-line.ts";

type UsbCamera = Camera & { source: UsbSource };
const caps = (name: string) =>
  parseV4l2Info(readFileSync(join(import.meta.dir, "../fixtures/v4l2-ctl", name), "utf8"));
const camera = (
  fixture: string,
  stablePath = "/dev/v4l/by-id/usb-046d_HD_Pro_Webcam_C920_A1B2C3D4-video-index0",
): UsbCamera => ({
  id: "camera0",
  identity: "usb:046d:082d:A1B2C3D4:0",
  name: "HD Pro Webcam C920",
  status: "CONNECTED",
  error: undefined,
  lastSeen: 0,
  source: { kind: "usb", node: "/dev/video0", stablePath, capabilities: caps(fixture) },
});
const options = { ffmpeg: "ffmpeg", encoder: "libx264" as const, user: "agent1", password: "pw" };
/** The publish command for a camera, as the product builds it (no preference unless given). */
const publish = (
  subject: UsbCamera,
  opts: typeof options | (Omit<typeof options, "encoder"> & { encoder: "h264_v4l2m2m" }) = options,
  preference?: ModePreference,
) => publishArguments(subject.source, preference, opts);

describe("publishing a USB camera", () => {
  test("H.264 cameras are passed through at their largest H.264 size", () => {
    const argv = publish(camera("h264-camera.txt")) ?? [];
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
      publish(camera("uvc-mjpeg-yuyv.txt"), { ...options, encoder: "h264_v4l2m2m" }) ?? [];
    expect(argv.slice(argv.indexOf("-c:v"), argv.indexOf("-c:v") + 2)).toEqual([
      "-c:v",
      "h264_v4l2m2m",
    ]);
  });

  test("the mode the API reports is the mode captured, configured format included", () => {
    const c920 = camera("uvc-mjpeg-yuyv.txt");
    // Through the source adapter, as the agent wires it: the view and the command agree.
    const nothing = { captureMode: () => undefined, publication: () => undefined };
    const sources = (preference?: ModePreference) =>
      new CameraSources(
        // No network cameras in this test: their adapter is never asked.
        { usb: new UsbPublisher(options), rtsp: nothing, onvif: nothing },
        preference ? { camera0: preference } : {},
      );
    const reported = (preference?: ModePreference) => {
      const view = cameraView(c920, undefined, sources(preference).captureMode(c920));
      return `${view.resolution}@${view.fps}`;
    };
    const captured = (preference?: ModePreference) => {
      const publication = sources(preference).publication(c920);
      const argv = publication?.kind === "command" ? publication.argv : [];
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
    const formats = c920.source.capabilities?.formats ?? [];
    expect(chooseInput(formats, { format: "YUYV" })?.inputFormat).toBe("yuyv422");
    // A format the camera does not offer falls back to the default.
    expect(chooseInput(formats, { format: "NV12" })?.inputFormat).toBe("mjpeg");
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
    const argv = publish(camera("uvc-mjpeg-yuyv.txt"), options, { resolution: "640x480" }) ?? [];
    expect(argv.slice(argv.indexOf("-video_size"), argv.indexOf("-video_size") + 4)).toEqual([
      "-video_size",
      "640x480",
      "-framerate",
      "30",
    ]);
  });

  test("no capabilities or no stable path: nothing to publish", () => {
    const c920 = camera("uvc-mjpeg-yuyv.txt");
    expect(
      publish({ ...c920, source: { ...c920.source, capabilities: undefined } }),
    ).toBeUndefined();
    expect(publish({ ...c920, source: { ...c920.source, stablePath: undefined } })).toBeUndefined();
    expect(publish(camera("uvc-metadata-node.txt"))).toBeUndefined();
  });

  test("the command line splits back into the same arguments, even for hostile device names", () => {
    const hostile = "/dev/v4l/by-id/usb-Evil_'$(reboot)';_`id`-video-index0";
    const argv =
      publish(camera("uvc-mjpeg-yuyv.txt", hostile), { ...options, password: "p'w d$x" }) ?? [];
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

describe("encoder: auto", () => {
  test("on arm64 it is the hardware encoder when ffmpeg has it (this machine's real ffmpeg lists it); elsewhere, or without ffmpeg, libx264", async () => {
    expect(await resolveEncoder("auto", "ffmpeg", "arm64")).toBe("h264_v4l2m2m");
    expect(await resolveEncoder("auto", "/nonexistent/ffmpeg", "arm64")).toBe("libx264");
    expect(await resolveEncoder("auto", "ffmpeg", "x64")).toBe("libx264");
    expect(await resolveEncoder("h264_v4l2m2m", "/nonexistent/ffmpeg", "x64")).toBe("h264_v4l2m2m");
  });

  test("is settled once, by ready(), which the reconciler awaits before publishing", async () => {
    const publisher = new UsbPublisher({ ...options, encoder: "auto" });
    const nothing = { captureMode: () => undefined, publication: () => undefined };
    const sources = new CameraSources({ usb: publisher, rtsp: nothing, onvif: nothing }, {});
    await sources.ready();
    expect(publisher.ready()).toBe(publisher.ready());
    const publication = sources.publication(camera("uvc-mjpeg-yuyv.txt"));
    const argv = publication?.kind === "command" ? publication.argv : [];
    const expected = await resolveEncoder("auto", "ffmpeg");
    expect(argv[argv.indexOf("-c:v") + 1]).toBe(expected);
  });
});
