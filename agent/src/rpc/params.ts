import { z } from "zod";
import { CAMERA_ID, CAMERA_ID_HINT } from "../camera-ids.ts";

/** `camera<N>`; bounded, so a megabyte-long "device" fails on the pattern, cheaply. */
export const deviceId = z.string().regex(CAMERA_ID, { message: CAMERA_ID_HINT });
