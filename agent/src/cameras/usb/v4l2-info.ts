import type { Capabilities, FrameFormat } from "../types.ts";

export class ProbeParseError extends Error {}

const KEY_VALUE = /^\t([A-Za-z][A-Za-z ]*?)\s*: (.*)$/;
const FORMAT = /^\t\[\d+\]: '([^']+)'/;
const DISCRETE_SIZE = /^\t\tSize: Discrete (\d+)x(\d+)/;
const RANGE_SIZE =
  /^\t\tSize: (?:Stepwise|Continuous) (\d+)x(\d+) - (\d+)x(\d+)(?: with step (\d+)\/(\d+))?/;
const DISCRETE_INTERVAL = /^\t\t\tInterval: Discrete [\d.]+s \(([\d.]+) fps\)/;
const RANGE_INTERVAL = /^\t\t\tInterval: (?:Stepwise|Continuous) .*\(([\d.]+)-([\d.]+) fps\)/;

/** Sizes offered from a stepwise or continuous range, when they fit its bounds and step. */
const COMMON_SIZES: Array<[number, number]> = [
  [320, 240],
  [640, 480],
  [800, 600],
  [1280, 720],
  [1920, 1080],
  [2560, 1440],
  [3840, 2160],
];
const COMMON_RATES = [60, 30, 25, 24, 15, 10, 5];

/** Parses `v4l2-ctl --info --list-formats-ext` output (v4l-utils 1.22 layout). */
export function parseV4l2Info(text: string): Capabilities {
  const lines = text.split("\n").map((line) => line.replace(/\r$/, ""));
  // Keys are whatever the tool prints: no prototype for a line to collide with.
  const info: Record<string, string> = Object.create(null);
  const lists: Record<string, string[]> = { Capabilities: [], "Device Caps": [] };
  let section = "";
  let list: string[] | undefined;
  const formats: FrameFormat[] = [];
  let pixelFormat: string | undefined;
  let sizes: FrameFormat[] = [];

  for (const line of lines) {
    if (/^\S/.test(line)) {
      section = line.replace(/:.*$/, "");
      list = undefined;
      continue;
    }
    if (section === "Driver Info") {
      const pair = KEY_VALUE.exec(line);
      if (pair) {
        const [, key = "", value = ""] = pair;
        info[key] = value.trim();
        list = lists[key];
      } else if (list && /^\t\t\S/.test(line)) {
        list.push(line.trim());
      }
      continue;
    }
    if (section !== "ioctl") continue;
    const format = FORMAT.exec(line);
    if (format) {
      pixelFormat = format[1];
      continue;
    }
    if (!pixelFormat) continue;
    const discrete = DISCRETE_SIZE.exec(line);
    const range = discrete ? undefined : RANGE_SIZE.exec(line);
    if (discrete || range) {
      sizes = discrete
        ? [{ pixelFormat, width: Number(discrete[1]), height: Number(discrete[2]), fps: [] }]
        : sizesInRange(pixelFormat, range as RegExpExecArray);
      formats.push(...sizes);
      continue;
    }
    const fixedRate = DISCRETE_INTERVAL.exec(line);
    const rateRange = fixedRate ? undefined : RANGE_INTERVAL.exec(line);
    const rates = fixedRate
      ? [Number(fixedRate[1])]
      : rateRange
        ? ratesInRange(Number(rateRange[1]), Number(rateRange[2]))
        : [];
    for (const size of sizes) size.fps.push(...rates.map((rate) => Math.round(rate * 1000) / 1000));
  }

  if (info["Driver name"] === undefined && formats.length === 0) {
    throw new ProbeParseError("v4l2-ctl printed neither driver info nor formats");
  }
  for (const format of formats) format.fps = [...new Set(format.fps)].sort((a, b) => b - a);
  return {
    driver: info["Driver name"] ?? "",
    card: info["Card type"] ?? "",
    busInfo: info["Bus info"] ?? "",
    driverVersion: info["Driver version"] ?? "",
    capabilities: lists.Capabilities ?? [],
    deviceCaps: lists["Device Caps"] ?? [],
    formats,
  };
}

/** Capture nodes only: a UVC metadata node (Device Caps: Metadata Capture) is not a camera. */
export function isCaptureDevice(capabilities: Capabilities): boolean {
  const caps =
    capabilities.deviceCaps.length > 0 ? capabilities.deviceCaps : capabilities.capabilities;
  return caps.some((cap) => cap === "Video Capture" || cap === "Video Capture Multiplanar");
}

function sizesInRange(pixelFormat: string, match: RegExpExecArray): FrameFormat[] {
  const [minW, minH, maxW, maxH, stepW, stepH] = match.slice(1).map((value) => Number(value ?? 1));
  const fits = ([w, h]: [number, number]) =>
    w >= (minW ?? 0) &&
    w <= (maxW ?? 0) &&
    h >= (minH ?? 0) &&
    h <= (maxH ?? 0) &&
    (w - (minW ?? 0)) % (stepW || 1) === 0 &&
    (h - (minH ?? 0)) % (stepH || 1) === 0;
  const sizes = COMMON_SIZES.filter(fits);
  if (!sizes.some(([w, h]) => w === maxW && h === maxH)) sizes.push([maxW ?? 0, maxH ?? 0]);
  return sizes.map(([width, height]) => ({ pixelFormat, width, height, fps: [] }));
}

function ratesInRange(minFps: number, maxFps: number): number[] {
  return [maxFps, ...COMMON_RATES.filter((rate) => rate < maxFps && rate >= minFps)];
}
