import type { Cam } from "onvif";
import { z } from "zod";

// The npm `onvif` client does the SOAP, the WS-Security digest and the camera's clock offset
// (from GetSystemDateAndTime, so cameras with wrong clocks still authenticate). This module
// bounds every call, checks every answer with zod, and says what went wrong in a person's words.

export type OnvifFailure = "unauthorized" | "unreachable" | "timeout" | "fault" | "malformed";

export class OnvifError extends Error {
  constructor(
    readonly reason: OnvifFailure,
    message: string,
  ) {
    super(message);
    this.name = "OnvifError";
  }
}

/** Where a device's ONVIF service is: http://host[:port][/path]. */
export interface OnvifAddress {
  hostname: string;
  port: number;
  path: string;
  /** The canonical form: what the registry keys the camera by. */
  url: string;
}

export interface OnvifLogin {
  username: string;
  password: string;
}

export interface DeviceInfo {
  manufacturer: string;
  model: string;
  firmware: string;
  serial: string;
  hardwareId: string;
}

export interface OnvifProfile {
  token: string;
  name: string;
  /** Undefined for a profile with no video encoder (audio or metadata only). */
  video: { encoding: string; width: number; height: number; fps: number } | undefined;
  ptz: boolean;
}

/** PTZ values are ONVIF's generic spaces: pan and tilt -1…1, zoom 0…1 (speeds -1…1). */
export interface PtzVector {
  pan?: number;
  tilt?: number;
  zoom?: number;
}

export interface PtzPreset {
  token: string;
  name: string;
}

/** Accepts "host", "host:port" or "http://host[:port][/path]"; throws saying what is wrong. */
export function parseOnvifAddress(input: string): OnvifAddress {
  if (input.length > 512) throw new Error("longer than 512 characters");
  if (/[\s\p{Cc}]/u.test(input)) throw new Error("contains spaces or control characters");
  let parsed: URL;
  try {
    parsed = new URL(/^[a-z]+:\/\//i.test(input) ? input : `http://${input}`);
  } catch {
    throw new Error('is not an address such as "192.168.1.20" or "http://192.168.1.20:8080"');
  }
  if (parsed.protocol !== "http:")
    throw new Error("must be http:// (ONVIF over HTTPS is not supported)");
  if (parsed.username || parsed.password)
    throw new Error("must not carry a login: give username and password");
  if (parsed.search || parsed.hash) throw new Error("must not have a query or #fragment");
  const path = parsed.pathname === "/" ? "/onvif/device_service" : parsed.pathname;
  const port = Number(parsed.port || 80);
  const hostname = parsed.hostname.toLowerCase();
  return { hostname, port, path, url: `http://${parsed.host.toLowerCase()}${path}` };
}

const text = z.union([z.string(), z.number()]).transform(String);
const profileSchema = z.object({
  $: z.object({ token: text }),
  name: text.optional(),
  videoEncoderConfiguration: z
    .object({
      encoding: text.optional(),
      resolution: z.object({ width: z.number(), height: z.number() }).optional(),
      rateControl: z.object({ frameRateLimit: z.number().optional() }).optional(),
    })
    .optional(),
  PTZConfiguration: z.unknown().optional(),
});
const infoSchema = z.object({
  manufacturer: text.optional(),
  model: text.optional(),
  firmwareVersion: text.optional(),
  serialNumber: text.optional(),
  hardwareId: text.optional(),
});
const uriSchema = z.object({ uri: z.string().min(1) });
const presetsSchema = z.record(z.string(), z.object({ $: z.object({ token: text }) }));
const setPresetSchema = z.array(
  z.object({ setPresetResponse: z.array(z.object({ presetToken: z.array(text) })) }),
);

type Callback<T> = (error: Error | null, data?: T) => void;

/** A connected ONVIF device. One per camera, reused; make a new one after a failure. */
export class OnvifDevice {
  private constructor(
    private readonly cam: Cam,
    private readonly timeoutMs: number,
    readonly profiles: OnvifProfile[],
    readonly ptzSupported: boolean,
  ) {}

  static async connect(
    address: OnvifAddress,
    login: OnvifLogin,
    timeoutMs: number,
  ): Promise<OnvifDevice> {
    // Loaded with the first ONVIF camera: the client and its XML parser cost about 2 MiB of
    // memory, which boxes with USB cameras only need not pay.
    const { Cam } = await import("onvif");
    const cam = new Cam({
      hostname: address.hostname,
      port: address.port,
      path: address.path,
      // The lib writes the username into XML unescaped.
      username: xmlEscape(login.username),
      password: login.password,
      timeout: timeoutMs,
      autoconnect: false,
      // Cameras behind NAT or with a wrong network setting announce service addresses nobody
      // can reach: always talk to the address we were given.
      preserveAddress: true,
    });
    await bounded(timeoutMs * 4, (done: Callback<unknown>) => cam.connect(done));
    const profiles = z
      .array(profileSchema)
      .safeParse((cam as unknown as { profiles?: unknown }).profiles ?? []);
    if (!profiles.success)
      throw new OnvifError("malformed", "the camera's media profiles are not valid ONVIF");
    const uri = (cam as unknown as { uri?: Record<string, unknown> }).uri ?? {};
    const ptz = uri.ptz !== undefined;
    return new OnvifDevice(
      cam,
      timeoutMs,
      profiles.data.map((profile) => ({
        token: profile.$.token,
        name: profile.name ?? profile.$.token,
        video: profile.videoEncoderConfiguration?.resolution
          ? {
              encoding: profile.videoEncoderConfiguration.encoding ?? "unknown",
              width: profile.videoEncoderConfiguration.resolution.width,
              height: profile.videoEncoderConfiguration.resolution.height,
              fps: profile.videoEncoderConfiguration.rateControl?.frameRateLimit ?? 0,
            }
          : undefined,
        ptz: ptz && profile.PTZConfiguration !== undefined,
      })),
      ptz,
    );
  }

  /** How far the camera's clock is from ours (ms, positive: ahead), as the lib measured it. */
  clockOffsetMs(): number {
    const shift = (this.cam as unknown as { timeShift?: number }).timeShift ?? 0;
    return Math.round(shift + process.uptime() * 1000 - Date.now());
  }

  async info(): Promise<DeviceInfo> {
    const info = checked(
      infoSchema,
      await this.call((done) => this.cam.getDeviceInformation(done)),
    );
    return {
      manufacturer: info.manufacturer ?? "",
      model: info.model ?? "",
      firmware: info.firmwareVersion ?? "",
      serial: info.serialNumber ?? "",
      hardwareId: info.hardwareId ?? "",
    };
  }

  async streamUri(profile: string): Promise<string> {
    const answer = await this.call((done) =>
      this.cam.getStreamUri({ protocol: "RTSP", profileToken: profile }, done),
    );
    return checked(uriSchema, answer).uri;
  }

  /** The profile's JPEG snapshot URI; undefined when the camera has none. */
  async snapshotUri(profile: string): Promise<string | undefined> {
    try {
      const answer = await this.call((done) =>
        this.cam.getSnapshotUri({ profileToken: profile }, done),
      );
      return checked(uriSchema, answer).uri;
    } catch (error) {
      if (error instanceof OnvifError && error.reason === "fault") return undefined;
      throw error;
    }
  }

  async continuousMove(profile: string, velocity: PtzVector, timeoutMs: number): Promise<void> {
    await this.call((done) =>
      this.cam.continuousMove(
        {
          profileToken: profile,
          x: velocity.pan ?? 0,
          y: velocity.tilt ?? 0,
          zoom: velocity.zoom ?? 0,
          timeout: timeoutMs,
        },
        done,
      ),
    );
  }

  async relativeMove(profile: string, step: PtzVector): Promise<void> {
    await this.call((done) =>
      this.cam.relativeMove(
        { profileToken: profile, x: step.pan, y: step.tilt, zoom: step.zoom },
        done,
      ),
    );
  }

  async absoluteMove(profile: string, position: PtzVector): Promise<void> {
    await this.call((done) =>
      this.cam.absoluteMove(
        { profileToken: profile, x: position.pan, y: position.tilt, zoom: position.zoom },
        done,
      ),
    );
  }

  async stop(profile: string): Promise<void> {
    await this.call((done) =>
      this.cam.stop({ profileToken: profile, panTilt: true, zoom: true }, done),
    );
  }

  async home(profile: string): Promise<void> {
    await this.call((done) => this.cam.gotoHomePosition({ profileToken: profile }, done));
  }

  async presets(profile: string): Promise<PtzPreset[]> {
    const answer = checked(
      presetsSchema,
      await this.call((done) => this.cam.getPresets({ profileToken: profile }, done)),
    );
    return Object.entries(answer).map(([name, preset]) => ({ token: preset.$.token, name }));
  }

  /** Saves the current position under `name` (a new preset, or `token`'s); returns its token. */
  async setPreset(profile: string, name: string, token: string | undefined): Promise<string> {
    const answer = await this.call((done) =>
      this.cam.setPreset(
        {
          profileToken: profile,
          presetName: xmlEscape(name),
          ...(token ? { presetToken: token } : {}),
        },
        done,
      ),
    );
    const [first] = checked(setPresetSchema, answer);
    return first?.setPresetResponse[0]?.presetToken[0] ?? "";
  }

  async gotoPreset(profile: string, token: string): Promise<void> {
    await this.call((done) => this.cam.gotoPreset({ profileToken: profile, preset: token }, done));
  }

  async removePreset(profile: string, token: string): Promise<void> {
    await this.call((done) =>
      this.cam.removePreset({ profileToken: profile, presetToken: token }, done),
    );
  }

  private call<T>(start: (done: Callback<T>) => void): Promise<T> {
    return bounded(this.timeoutMs, start);
  }
}

/** One lib call, callback to promise, bounded whatever the lib's own socket timeout does. */
function bounded<T>(timeoutMs: number, start: (done: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new OnvifError("timeout", `the camera did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      start((error, data) => {
        clearTimeout(timer);
        if (error) reject(classify(error));
        else resolve(data as T);
      });
    } catch (error) {
      clearTimeout(timer);
      reject(classify(error));
    }
  });
}

function checked<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new OnvifError("malformed", "the camera's answer is not valid ONVIF");
  return result.data;
}

/** The lib's errors in our words; the camera's own fault text is kept (bounded, one line). */
function classify(error: unknown): OnvifError {
  if (error instanceof OnvifError) return error;
  const { code, message = String(error) } = error as { code?: string; message?: string };
  if (/not ?authori[sz]ed|authentication failed|401/i.test(message))
    return new OnvifError("unauthorized", "the camera refused the username or password");
  if (code === "ECONNREFUSED")
    return new OnvifError("unreachable", "unreachable: connection refused");
  if (code === "ENOTFOUND" || code === "EAI_AGAIN")
    return new OnvifError("unreachable", "unreachable: unknown host name");
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH")
    return new OnvifError("unreachable", "unreachable: no route to the camera");
  if (code === "ECONNRESET") return new OnvifError("unreachable", "unreachable: connection reset");
  if (/network timeout|ETIMEDOUT/i.test(message) || code === "ETIMEDOUT")
    return new OnvifError("timeout", "the camera did not answer in time");
  const fault = /^ONVIF SOAP Fault: (.*)$/s.exec(message)?.[1];
  if (fault !== undefined)
    return new OnvifError(
      "fault",
      `the camera said: ${fault
        .replace(/[\p{Cc}]+/gu, " ")
        .trim()
        .slice(0, 200)}`,
    );
  return new OnvifError("malformed", "the camera's answer is not valid ONVIF (SOAP)");
}

function xmlEscape(value: string): string {
  return value.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
