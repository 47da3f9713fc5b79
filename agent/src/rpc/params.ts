import { z } from "zod";
import { CAMERA_ID, CAMERA_ID_HINT } from "../camera-ids.ts";

/** `camera<N>`; bounded, so a megabyte-long "device" fails on the pattern, cheaply. */
export const deviceId = z.string().regex(CAMERA_ID, { message: CAMERA_ID_HINT });

/** Text of `min`…`max` characters without control characters (names, logins). */
export function plainText(min: number, max: number) {
  return (min > 0 ? z.string().trim().min(min) : z.string()).max(max).regex(/^[^\p{Cc}]*$/u, {
    message: "must not contain control characters",
  });
}

/** A token the camera's SOAP requests carry as it is: letters, digits, . _ - only. */
export function soapToken(what: string) {
  return z
    .string()
    .regex(/^[\w.-]{1,64}$/, { message: `must be a ${what} token (letters, digits, . _ -)` });
}

/** A string `parse` accepts (at most `max` long); its Error's message is the rule broken. */
export function parsedBy(parse: (value: string) => unknown, max: number) {
  return z
    .string()
    .max(max)
    .superRefine((value, context) => {
      try {
        parse(value);
      } catch (error) {
        context.addIssue({ code: "custom", message: (error as Error).message });
      }
    });
}
