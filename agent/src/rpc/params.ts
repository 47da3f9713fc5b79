import { z } from "zod";

/** `camera<N>`; bounded, so a megabyte-long "device" fails on the pattern, cheaply. */
export const deviceId = z
  .string()
  .regex(/^camera[0-9]{1,6}$/, { message: 'must look like "camera0"' });
