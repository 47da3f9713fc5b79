// Here, below the camera code, because the config validates cameras.<id>.format against it.

/**
 * The pixel formats the agent captures (FourCC as v4l2-ctl names it → ffmpeg's v4l2
 * input_format), in order of preference: compressed first (least USB bandwidth, H.264 needs
 * no encoding), then the raw formats UVC webcams and CSI bridges deliver.
 */
export const CAPTURE_FORMATS: ReadonlyArray<readonly [fourcc: string, inputFormat: string]> = [
  ["H264", "h264"],
  ["MJPG", "mjpeg"],
  ["YUYV", "yuyv422"],
  ["UYVY", "uyvy422"],
  ["NV12", "nv12"],
  ["YU12", "yuv420p"],
];
