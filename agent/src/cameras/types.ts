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

/** A USB (V4L2) camera: where the kernel has it now and what its driver offers. */
export interface UsbSource {
  kind: "usb";
  /** Current kernel node (/dev/videoN); changes on replug, never used as identity. */
  node: string | undefined;
  /** by-id (with serial) or by-path link, else the node: what readers should open. */
  stablePath: string | undefined;
  capabilities: Capabilities | undefined;
}

/**
 * A network camera the agent pulls an RTSP stream from (added by URL). Its URL and credentials
 * live in the network camera store, never here: this object reaches events and answers.
 */
export interface RtspSource {
  /** rtsp: added by URL; onvif: added by its ONVIF address, the URL from its media profile. */
  kind: "rtsp" | "onvif";
  /** What its stream description (SDP) offered when last checked. */
  capabilities: { formats: FrameFormat[] } | undefined;
}

/** Where a camera's video comes from. */
export type CameraSource = UsbSource | RtspSource;
export type SourceKind = CameraSource["kind"];

/** One camera as the registry knows it: common fields (persisted identity, live state) + source. */
export interface Camera {
  id: string;
  identity: string;
  name: string;
  status: CameraStatus;
  /** Why the camera is in ERROR (busy, permission denied, unparsable probe, …). */
  error: string | undefined;
  /** Epoch ms of the last time it was seen present. */
  lastSeen: number | undefined;
  source: CameraSource;
}

/** A source's video modes, whatever the kind (USB: the driver's; network: the profile's). */
export function formatsOf(camera: Camera): FrameFormat[] {
  return camera.source.capabilities?.formats ?? [];
}
