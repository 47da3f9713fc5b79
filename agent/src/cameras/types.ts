export type CameraStatus = "CONNECTED" | "DISCONNECTED" | "ERROR";

export interface FrameFormat {
  /** FourCC as v4l2-ctl prints it: YUYV, MJPG, H264, … */
  pixelFormat: string;
  width: number;
  height: number;
  /** Frame rates offered at this size, highest first. */
  fps: number[];
}

export interface Capabilities {
  driver: string;
  card: string;
  busInfo: string;
  driverVersion: string;
  capabilities: string[];
  deviceCaps: string[];
  formats: FrameFormat[];
}

/** One camera as the registry knows it: persisted identity plus live state. */
export interface Camera {
  id: string;
  identity: string;
  kind: "usb";
  name: string;
  status: CameraStatus;
  /** Why the camera is in ERROR (busy, permission denied, unparsable probe, …). */
  error: string | undefined;
  /** Current kernel node (/dev/videoN); changes on replug, never used as identity. */
  node: string | undefined;
  /** by-id (with serial) or by-path link, else the node: what readers should open. */
  stablePath: string | undefined;
  capabilities: Capabilities | undefined;
  /** Epoch ms of the last time it was seen present. */
  lastSeen: number | undefined;
}
