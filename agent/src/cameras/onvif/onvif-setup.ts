import { parseCameraUrl } from "../rtsp/camera-url.ts";
import type { OnvifCameraRecord } from "../rtsp/network-camera-store.ts";
import { type OnvifAddress, OnvifDevice, OnvifError, type OnvifProfile } from "./onvif-device.ts";

export interface OnvifCameraPlan {
  device: OnvifDevice;
  /** What the store keeps, but the id. */
  record: Omit<OnvifCameraRecord, "id">;
  /** "<manufacturer> <model>", for a default name. */
  model: string;
  profile: OnvifProfile;
}

/**
 * Why a camera cannot be set up the way it was asked: no such profile (the message is its
 * token), or no video in it.
 */
export class OnvifSetupError extends Error {
  constructor(
    readonly what: "profile_missing" | "no_video",
    message: string,
  ) {
    super(message);
  }
}

/**
 * Everything the agent needs to serve an ONVIF camera, asked from the camera: its media
 * profile (the one named, else the first with video), that profile's RTSP stream URI and
 * snapshot URI, and its make. Throws OnvifError (camera problems) or OnvifSetupError.
 */
export async function planOnvifCamera(
  address: OnvifAddress,
  login: { username: string; password: string },
  profileToken: string | undefined,
  timeoutMs: number,
): Promise<OnvifCameraPlan> {
  const device = await OnvifDevice.connect(address, login, timeoutMs);
  const profile = profileToken
    ? device.profiles.find((candidate) => candidate.token === profileToken)
    : device.profiles.find((candidate) => candidate.video);
  if (!profile) {
    throw profileToken
      ? new OnvifSetupError("profile_missing", profileToken)
      : new OnvifSetupError("no_video", "the camera has no media profile with video");
  }
  if (!profile.video)
    throw new OnvifSetupError("no_video", `profile "${profile.token}" has no video encoder`);
  let stream: ReturnType<typeof parseCameraUrl>;
  try {
    stream = parseCameraUrl(await device.streamUri(profile.token));
  } catch (error) {
    if (error instanceof OnvifError) throw error;
    throw new OnvifError(
      "malformed",
      `the camera's stream URI is not usable: ${(error as Error).message}`,
    );
  }
  const snapshot = await device.snapshotUri(profile.token);
  const info = await device.info();
  return {
    device,
    profile,
    model: `${info.manufacturer} ${info.model}`.trim(),
    record: {
      url: stream.url,
      // The ONVIF login is the camera's login; a URI carrying its own wins for RTSP.
      username: stream.username ?? login.username,
      password: stream.password ?? login.password,
      onvif: {
        address: address.url,
        profile: profile.token,
        snapshotUrl: snapshot && /^https?:\/\//.test(snapshot) ? snapshot : undefined,
      },
    },
  };
}
