// Adding, changing and removing cameras (operator). Logins go in, never come back out.
import { z } from "zod";
import { parseOnvifAddress } from "../../cameras/onvif/onvif-device.ts";
import { MAX_URL_LENGTH, parseCameraUrl } from "../../cameras/rtsp/camera-url.ts";
import { defineMethod } from "../method.ts";
import { deviceId, parsedBy, plainText, soapToken } from "../params.ts";
import { cameraStatus } from "./cameras.ts";

const rtspUrl = parsedBy(parseCameraUrl, MAX_URL_LENGTH);
const onvifAddress = parsedBy(parseOnvifAddress, 512);
const profile = soapToken("profile");
const name = plainText(1, 64);
const login = plainText(0, 256);

export const addCamera = defineMethod({
  name: "add_camera",
  role: "operator",
  description:
    "Adds a network camera by its ONVIF address (stream from its media profile) or by an RTSP URL; answers once it has been checked.",
  params: z
    .object({
      onvif_address: onvifAddress.optional(),
      rtsp_url: rtspUrl.optional(),
      username: login.optional(),
      password: login.optional(),
      name: name.optional(),
      profile: profile.optional(),
    })
    .refine((params) => (params.onvif_address === undefined) !== (params.rtsp_url === undefined), {
      message: "give either onvif_address or rtsp_url",
    })
    .refine((params) => params.profile === undefined || params.onvif_address !== undefined, {
      message: "profile is for cameras added by onvif_address",
    }),
  handler: async (params, { services, connection }) => {
    const { username, password, name } = params;
    const camera = await services.cameraManagement.add(
      params.onvif_address !== undefined
        ? { onvifAddress: params.onvif_address, username, password, name, profile: params.profile }
        : { rtspUrl: params.rtsp_url ?? "", username, password, name },
    );
    return cameraStatus(services, camera, connection.host);
  },
});

export const updateCamera = defineMethod({
  name: "update_camera",
  role: "operator",
  description:
    "Renames a camera; for a network camera also changes its login, its RTSP URL or its ONVIF profile (then checks it again).",
  params: z
    .object({
      device: deviceId,
      name: name.optional(),
      rtsp_url: rtspUrl.optional(),
      username: login.optional(),
      password: login.optional(),
      profile: profile.optional(),
    })
    .refine(
      (params) =>
        [params.name, params.rtsp_url, params.username, params.password, params.profile].some(
          (value) => value !== undefined,
        ),
      { message: "nothing to change: give name, rtsp_url, username, password or profile" },
    ),
  handler: async ({ device, ...changes }, { services, connection }) => {
    const camera = await services.cameraManagement.update(device, {
      name: changes.name,
      rtspUrl: changes.rtsp_url,
      username: changes.username,
      password: changes.password,
      profile: changes.profile,
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

export const getCameraProfiles = defineMethod({
  name: "get_camera_profiles",
  role: "operator",
  description:
    "An ONVIF camera's media profiles, asked from the camera: token, name, video (encoding, size, rate) or null, PTZ, and which one is used.",
  params: z.object({ device: deviceId }),
  handler: async ({ device }, { services }) => {
    const profiles = await services.cameraManagement.profiles(device);
    return {
      device,
      profiles: profiles.map((entry) => ({ ...entry, video: entry.video ?? null })),
    };
  },
});

export const discoverCameras = defineMethod({
  name: "discover_cameras",
  role: "operator",
  description:
    "Probes the LAN for ONVIF cameras (WS-Discovery, discovery.onvif.probe_timeout) and lists every one seen since the agent started, with whether it was added.",
  params: z.object({}),
  handler: async (_params, { services }) => {
    const devices = await services.onvifDiscovery.discover();
    return {
      cameras: devices.map((device) => ({
        address: device.address,
        urn: device.urn,
        name: device.name,
        hardware: device.hardware,
        location: device.location,
        added_as: device.addedAs ?? null,
        first_seen: device.firstSeen,
        last_seen: device.lastSeen,
      })),
      total: devices.length,
    };
  },
});
