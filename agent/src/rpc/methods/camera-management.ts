// Adding, changing and removing cameras (operator). Logins go in, never come back out.
import { z } from "zod";
import { MAX_URL_LENGTH, parseCameraUrl } from "../../cameras/rtsp/camera-url.ts";
import { defineMethod } from "../method.ts";
import { deviceId } from "../params.ts";
import { cameraStatus } from "./cameras.ts";

const NO_CONTROLS = /^[^\p{Cc}]*$/u;

const rtspUrl = z
  .string()
  .max(MAX_URL_LENGTH)
  .superRefine((value, context) => {
    try {
      parseCameraUrl(value);
    } catch (error) {
      context.addIssue({ code: "custom", message: (error as Error).message });
    }
  });
const name = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(NO_CONTROLS, { message: "must not contain control characters" });
const login = z
  .string()
  .max(256)
  .regex(NO_CONTROLS, { message: "must not contain control characters" });

export const addCamera = defineMethod({
  name: "add_camera",
  role: "operator",
  description:
    "Adds a network camera by its RTSP URL (a login in the URL or as username/password); answers once it has been checked.",
  params: z.object({
    rtsp_url: rtspUrl,
    username: login.optional(),
    password: login.optional(),
    name: name.optional(),
  }),
  handler: async (params, { services, connection }) => {
    const camera = await services.cameraManagement.add({
      rtspUrl: params.rtsp_url,
      username: params.username,
      password: params.password,
      name: params.name,
    });
    return cameraStatus(services, camera, connection.host);
  },
});

export const updateCamera = defineMethod({
  name: "update_camera",
  role: "operator",
  description:
    "Renames a camera; for a network camera also changes its RTSP URL or login (then checks it again).",
  params: z
    .object({
      device: deviceId,
      name: name.optional(),
      rtsp_url: rtspUrl.optional(),
      username: login.optional(),
      password: login.optional(),
    })
    .refine(
      (params) =>
        [params.name, params.rtsp_url, params.username, params.password].some(
          (value) => value !== undefined,
        ),
      { message: "nothing to change: give name, rtsp_url, username or password" },
    ),
  handler: async ({ device, ...changes }, { services, connection }) => {
    const camera = await services.cameraManagement.update(device, {
      name: changes.name,
      rtspUrl: changes.rtsp_url,
      username: changes.username,
      password: changes.password,
    });
    return cameraStatus(services, camera, connection.host);
  },
});

export const removeCamera = defineMethod({
  name: "remove_camera",
  role: "operator",
  description:
    "Removes a network camera and its login; its recordings and snapshots stay, and its id is never given to another camera.",
  params: z.object({ device: deviceId }),
  handler: ({ device }, { services }) => {
    services.cameraManagement.remove(device);
    return { device, removed: true };
  },
});
