import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type UdevEvent, UdevEventParser } from "../../agent/src/cameras/usb/udev-events.ts";
import {
  isCaptureDevice,
  ProbeParseError,
  parseV4l2Info,
} from "../../agent/src/cameras/usb/v4l2-info.ts";

const fixture = (name: string) => readFileSync(join(import.meta.dir, "../fixtures", name), "utf8");

describe("udevadm monitor --property parser", () => {
  const text = fixture("udevadm/monitor-c920.txt");

  function parse(chunks: string[]): UdevEvent[] {
    const events: UdevEvent[] = [];
    const parser = new UdevEventParser((event) => events.push(event));
    for (const chunk of chunks) parser.push(chunk);
    parser.end();
    return events;
  }

  test("headers, properties and blank-line boundaries", () => {
    const events = parse([text]);
    expect(events.map((event) => `${event.action} ${event.properties.DEVNAME}`)).toEqual([
      "add /dev/video0",
      "add /dev/video1",
      "remove /dev/video1",
      "remove /dev/video0",
    ]);
    const [first] = events;
    expect(first?.source).toBe("UDEV");
    expect(first?.subsystem).toBe("video4linux");
    expect(first?.devpath).toBe(
      "/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/video4linux/video0",
    );
    expect(first?.properties.ID_SERIAL_SHORT).toBe("A1B2C3D4");
    expect(first?.properties.ID_MODEL_ENC).toBe("HD\\x20Pro\\x20Webcam\\x20C920");
    expect(first?.properties.DEVLINKS?.split(" ")).toHaveLength(2);
  });

  test("the same events whatever the chunking, byte by byte included", () => {
    const whole = parse([text]);
    expect(parse(text.match(/[\s\S]{1,7}/g) ?? [])).toEqual(whole);
    expect(parse([...text])).toEqual(whole);
  });

  test("KERNEL headers, CRLF and a stream cut mid-event", () => {
    const events = parse([
      "KERNEL[12.5] add      /devices/virtual/video4linux/video3 (video4linux)\r\nACTION=add\r\nDEVNAME=/dev/video3",
    ]);
    expect(events).toEqual([
      {
        source: "KERNEL",
        action: "add",
        devpath: "/devices/virtual/video4linux/video3",
        subsystem: "video4linux",
        properties: { ACTION: "add", DEVNAME: "/dev/video3" },
      },
    ]);
  });
});

describe("v4l2-ctl --info --list-formats-ext parser", () => {
  test("UVC webcam: driver info, capture caps, YUYV and MJPEG with discrete sizes and rates", () => {
    const caps = parseV4l2Info(fixture("v4l2-ctl/uvc-mjpeg-yuyv.txt"));
    expect(caps.driver).toBe("uvcvideo");
    expect(caps.card).toBe("HD Pro Webcam C920");
    expect(caps.busInfo).toBe("usb-0000:00:14.0-1");
    expect(caps.driverVersion).toBe("6.1.55");
    expect(caps.deviceCaps).toEqual(["Video Capture", "Streaming", "Extended Pix Format"]);
    expect(caps.capabilities).toContain("Metadata Capture");
    expect(isCaptureDevice(caps)).toBe(true);
    expect(caps.formats).toContainEqual({
      pixelFormat: "YUYV",
      width: 640,
      height: 480,
      fps: [30, 24, 15],
    });
    expect(caps.formats).toContainEqual({
      pixelFormat: "MJPG",
      width: 1920,
      height: 1080,
      fps: [30, 24],
    });
    expect(caps.formats).toHaveLength(6);
  });

  test("metadata node: not a camera", () => {
    const caps = parseV4l2Info(fixture("v4l2-ctl/uvc-metadata-node.txt"));
    expect(caps.deviceCaps).toEqual(["Metadata Capture", "Streaming", "Extended Pix Format"]);
    expect(caps.formats).toEqual([]);
    expect(isCaptureDevice(caps)).toBe(false);
  });

  test("H.264-capable camera", () => {
    const caps = parseV4l2Info(fixture("v4l2-ctl/h264-camera.txt"));
    expect(
      caps.formats
        .filter((format) => format.pixelFormat === "H264")
        .map((f) => `${f.width}x${f.height}`),
    ).toEqual(["1920x1080", "3840x2160"]);
    expect(caps.formats).toContainEqual({
      pixelFormat: "MJPG",
      width: 1920,
      height: 1080,
      fps: [60, 30],
    });
  });

  test("stepwise and continuous sizes and intervals become common sizes and rates in range", () => {
    const caps = parseV4l2Info(fixture("v4l2-ctl/stepwise-vivid.txt"));
    const yuyv = caps.formats.filter((format) => format.pixelFormat === "YUYV");
    expect(yuyv.map((format) => `${format.width}x${format.height}`)).toEqual([
      "320x240",
      "640x480",
      "800x600",
      "1280x720",
      "1920x1080",
    ]);
    expect(yuyv[0]?.fps).toEqual([30, 25, 24, 15, 10, 5]);
    const nv12 = caps.formats.filter((format) => format.pixelFormat === "NV12");
    expect(nv12.at(-1)).toEqual({
      pixelFormat: "NV12",
      width: 1280,
      height: 720,
      fps: [25, 24, 15, 10, 5],
    });
  });

  test("output that is not v4l2-ctl's is refused, not guessed at", () => {
    expect(() => parseV4l2Info("")).toThrow(ProbeParseError);
    expect(() => parseV4l2Info("Segmentation fault\n")).toThrow(ProbeParseError);
  });
});
