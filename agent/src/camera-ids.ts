// Camera ids are `camera<N>`: allocated once per camera, persisted, used as its MediaMTX path
// name and as the prefix of its recordings and snapshots. Only this module spells the format.

const ID = /^camera(\d{1,6})$/;

/** What an API parameter or config key naming a camera must match. */
export const CAMERA_ID = /^camera[0-9]{1,6}$/;
export const CAMERA_ID_HINT = 'must look like "camera0"';

export function cameraId(number: number): string {
  return `camera${number}`;
}

/** N of camera<N>; undefined for anything that is not a camera id. */
export function cameraNumber(id: string): number | undefined {
  const match = ID.exec(id);
  return match ? Number(match[1]) : undefined;
}

/** The camera a media file belongs to: their names start with `<id>_`. */
export function cameraOfFile(name: string): string | undefined {
  const id = /^(camera\d{1,6})_/.exec(name)?.[1];
  return id;
}
