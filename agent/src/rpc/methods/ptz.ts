// PTZ of ONVIF cameras (operator). Values are ONVIF's generic spaces: pan and tilt -1…1,
// zoom 0…1 for positions, -1…1 for speeds and steps.
import { z } from "zod";
import type { PtzMove } from "../../media/ptz-control.ts";
import { defineMethod } from "../method.ts";
import { deviceId, plainText, soapToken } from "../params.ts";

const signed = z.number().min(-1).max(1);
const presetToken = soapToken("preset");
const presetName = plainText(1, 64);

export const ptzMove = defineMethod({
  name: "ptz_move",
  role: "operator",
  description:
    "Moves an ONVIF camera: continuous (speeds pan/tilt/zoom -1…1, stopping after timeout ms, 100-60000, default 1000), relative (steps -1…1) or absolute (pan/tilt -1…1, zoom 0…1).",
  params: z
    .object({
      device: deviceId,
      mode: z.enum(["continuous", "relative", "absolute"]).prefault("continuous"),
      pan: signed.optional(),
      tilt: signed.optional(),
      zoom: signed.optional(),
      timeout: z.number().int().min(100).max(60_000).prefault(1000),
    })
    .refine((p) => p.pan !== undefined || p.tilt !== undefined || p.zoom !== undefined, {
      message: "give pan, tilt or zoom",
    })
    .refine((p) => p.mode !== "absolute" || p.zoom === undefined || p.zoom >= 0, {
      message: "an absolute zoom is 0…1",
      path: ["zoom"],
    }),
  handler: async ({ device, mode, pan, tilt, zoom, timeout }, { services }) => {
    const vector = { pan, tilt, zoom };
    const move: PtzMove =
      mode === "continuous"
        ? { mode, velocity: vector, timeoutMs: timeout }
        : mode === "relative"
          ? { mode, step: vector }
          : { mode, position: vector };
    await services.ptz.move(device, move);
    return { device, mode, moved: true };
  },
});

export const ptzStop = defineMethod({
  name: "ptz_stop",
  role: "operator",
  description: "Stops any pan, tilt or zoom movement of an ONVIF camera.",
  params: z.object({ device: deviceId }),
  handler: async ({ device }, { services }) => {
    await services.ptz.stop(device);
    return { device, stopped: true };
  },
});

export const ptzHome = defineMethod({
  name: "ptz_home",
  role: "operator",
  description: "Moves an ONVIF camera to its home position.",
  params: z.object({ device: deviceId }),
  handler: async ({ device }, { services }) => {
    await services.ptz.home(device);
    return { device, moved: true };
  },
});

export const getPtzPresets = defineMethod({
  name: "get_ptz_presets",
  role: "operator",
  description: "An ONVIF camera's PTZ presets: token and name.",
  params: z.object({ device: deviceId }),
  handler: async ({ device }, { services }) => ({
    device,
    presets: await services.ptz.presets(device),
  }),
});

export const setPtzPreset = defineMethod({
  name: "set_ptz_preset",
  role: "operator",
  description:
    "Saves the camera's current position as a preset named `name` (a new one, or the preset `preset` overwritten); returns its token.",
  params: z.object({ device: deviceId, name: presetName, preset: presetToken.optional() }),
  handler: async ({ device, name, preset }, { services }) => ({
    device,
    preset: await services.ptz.setPreset(device, name, preset),
    name,
  }),
});

export const gotoPtzPreset = defineMethod({
  name: "goto_ptz_preset",
  role: "operator",
  description: "Moves an ONVIF camera to one of its presets (by token).",
  params: z.object({ device: deviceId, preset: presetToken }),
  handler: async ({ device, preset }, { services }) => {
    await services.ptz.gotoPreset(device, preset);
    return { device, preset, moved: true };
  },
});

export const removePtzPreset = defineMethod({
  name: "remove_ptz_preset",
  role: "operator",
  description: "Deletes one of an ONVIF camera's presets (by token).",
  params: z.object({ device: deviceId, preset: presetToken }),
  handler: async ({ device, preset }, { services }) => {
    await services.ptz.removePreset(device, preset);
    return { device, preset, removed: true };
  },
});
