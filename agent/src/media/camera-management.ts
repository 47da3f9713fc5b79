import { OnvifError, parseOnvifAddress } from "../cameras/onvif/onvif-device.ts";
import type { OnvifSessions } from "../cameras/onvif/onvif-sessions.ts";
import { OnvifSetupError, planOnvifCamera } from "../cameras/onvif/onvif-setup.ts";
import type { CameraRegistry } from "../cameras/registry.ts";
import { parseCameraUrl, urlIdentity } from "../cameras/rtsp/camera-url.ts";
import type { NetworkCameraStore } from "../cameras/rtsp/network-camera-store.ts";
import type { RtspWatch } from "../cameras/rtsp/rtsp-watch.ts";
import type { Camera } from "../cameras/types.ts";
import { domainErrors } from "../domain-error.ts";
import type { CameraCatalog } from "./camera-catalog.ts";
import type { MediaServer } from "./media-server.ts";

/** A camera added by hand: by RTSP URL, or by ONVIF address (stream URL from its profile). */
export type NewCamera =
  | { rtspUrl: string; username?: string; password?: string; name?: string }
  | { onvifAddress: string; username?: string; password?: string; name?: string; profile?: string };

export interface CameraChanges {
  name?: string;
  rtspUrl?: string;
  username?: string;
  password?: string;
  profile?: string;
}

export interface ProfileView {
  token: string;
  name: string;
  video: { encoding: string; width: number; height: number; fps: number } | undefined;
  ptz: boolean;
  selected: boolean;
}

/**
 * Adding, changing and removing cameras by hand (network cameras; USB cameras come and go
 * with their plug, and can only be renamed). A camera and its source's row are stored in one
 * transaction; the answer waits for the camera's first reachability check, bounded by its
 * timeout.
 */
export class CameraManagement {
  constructor(
    private readonly registry: CameraRegistry,
    private readonly cameras: CameraCatalog,
    private readonly store: NetworkCameraStore,
    private readonly watch: RtspWatch,
    private readonly sessions: OnvifSessions,
    private readonly media: MediaServer,
    private readonly isRecording: (id: string) => boolean,
    private readonly maxCameras: number,
  ) {}

  async add(input: NewCamera): Promise<Camera> {
    if ("onvifAddress" in input) return this.addOnvif(input);
    const { url, username, password } = parseCameraUrl(input.rtspUrl);
    this.assertNew(urlIdentity(url));
    const camera = this.registry.ensure(
      urlIdentity(url),
      "rtsp",
      input.name ?? `Camera at ${new URL(url).host}`,
      (id) =>
        this.store.put({
          id,
          url,
          username: input.username ?? username ?? "",
          password: input.password ?? password ?? "",
        }),
    );
    return this.checked(camera.id);
  }

  private async addOnvif(input: Extract<NewCamera, { onvifAddress: string }>): Promise<Camera> {
    const address = parseOnvifAddress(input.onvifAddress);
    this.assertNew(address.url);
    const login = { username: input.username ?? "", password: input.password ?? "" };
    const plan = await onvifPlan(() =>
      planOnvifCamera(address, login, input.profile, this.sessions.timeoutMs),
    );
    // Asking the camera took a while: another add may have taken its place or the last slot.
    this.assertNew(address.url);
    const camera = this.registry.ensure(
      address.url,
      "onvif",
      input.name ?? (plan.model || `Camera at ${address.hostname}`),
      (id) => this.store.put({ id, ...plan.record }),
    );
    this.sessions.adopt({ id: camera.id, ...plan.record }, plan.device);
    return this.checked(camera.id);
  }

  async update(id: string, changes: CameraChanges): Promise<Camera> {
    const camera = this.cameras.get(id);
    const touchesSource = [
      changes.rtspUrl,
      changes.username,
      changes.password,
      changes.profile,
    ].some((value) => value !== undefined);
    if (touchesSource) {
      const record = this.store.get(id);
      if (!record || camera.source.kind === "usb")
        throw domainErrors.unsupported(
          "camera_source",
          `${id} is a USB camera: only its name can be changed`,
          "change the name only",
        );
      if (record.onvif) {
        if (changes.rtspUrl !== undefined)
          throw domainErrors.unsupported(
            "camera_source",
            `${id} is an ONVIF camera: its stream URL comes from its profile`,
            "change profile, username or password",
          );
        const login = {
          username: changes.username ?? record.username,
          password: changes.password ?? record.password,
        };
        const plan = await onvifPlan(() =>
          planOnvifCamera(
            parseOnvifAddress(record.onvif?.address ?? ""),
            login,
            changes.profile ?? record.onvif?.profile,
            this.sessions.timeoutMs,
          ),
        );
        this.store.put({ id, ...plan.record });
        this.sessions.forget(id);
      } else {
        if (changes.profile !== undefined)
          throw domainErrors.unsupported(
            "camera_source",
            `${id} was added by RTSP URL: it has no ONVIF profiles`,
            "change rtsp_url instead",
          );
        const parsed = changes.rtspUrl === undefined ? undefined : parseCameraUrl(changes.rtspUrl);
        if (parsed) {
          const identity = urlIdentity(parsed.url);
          const other = this.registry.byIdentity(identity);
          if (other && other.id !== id)
            throw domainErrors.invalidState(
              "EXISTS",
              `that stream is already added as ${other.id}`,
            );
          this.registry.reidentify(id, identity);
        }
        this.store.put({
          id,
          url: parsed?.url ?? record.url,
          username: changes.username ?? parsed?.username ?? record.username,
          password: changes.password ?? parsed?.password ?? record.password,
        });
      }
    }
    if (changes.name !== undefined) this.registry.rename(id, changes.name);
    return touchesSource ? this.checked(id) : this.cameras.get(id);
  }

  remove(id: string): void {
    const camera = this.cameras.get(id);
    if (camera.source.kind === "usb")
      throw domainErrors.unsupported(
        "camera_source",
        `${id} is a USB camera: it is listed while plugged in`,
        "unplug it instead",
      );
    if (this.isRecording(id))
      throw domainErrors.invalidState("RECORDING", `${id} is recording: stop the recording first`);
    this.watch.forget(id);
    this.sessions.forget(id);
    this.registry.remove(id, () => this.store.delete(id));
  }

  /** An ONVIF camera's media profiles, asked from the camera now. */
  async profiles(id: string): Promise<ProfileView[]> {
    const camera = this.cameras.get(id);
    const record = this.store.get(id);
    if (camera.source.kind !== "onvif" || !record?.onvif)
      throw domainErrors.unsupported(
        "onvif",
        `${id} is not an ONVIF camera: it has no media profiles`,
        "profiles exist for cameras added by onvif_address",
      );
    const { onvif } = record;
    const device = await onvifPlan(() => this.sessions.device({ ...record, onvif }));
    return device.profiles.map((profile) => ({
      ...profile,
      selected: profile.token === onvif.profile,
    }));
  }

  private assertNew(identity: string): void {
    const existing = this.registry.byIdentity(identity);
    if (existing)
      throw domainErrors.invalidState("EXISTS", `that camera is already added as ${existing.id}`);
    const count = this.registry.list().length;
    if (count >= this.maxCameras) {
      throw domainErrors.invalidState(
        "LIMIT",
        `the appliance already has ${count} cameras, its limit (limits.max_cameras)`,
      );
    }
  }

  /**
   * After a change: the camera checked and MediaMTX given its path as it now is. The change is
   * stored either way: with MediaMTX down, the loop applies it when MediaMTX is back.
   */
  private async checked(id: string): Promise<Camera> {
    await this.watch.check(id);
    try {
      await this.media.settle();
    } catch {
      // Reported by the MediaMTX health component; the camera is kept.
    }
    return this.cameras.get(id);
  }
}

/** Asks the camera; its failures as domain errors naming the camera and what went wrong. */
async function onvifPlan<T>(ask: () => Promise<T>): Promise<T> {
  try {
    return await ask();
  } catch (error) {
    if (error instanceof OnvifError) throw domainErrors.dependencyFailed("camera", error.message);
    if (error instanceof OnvifSetupError) {
      throw error.what === "profile_missing"
        ? domainErrors.notFound("profile", error.message)
        : domainErrors.unsupported(
            "video",
            error.message,
            "choose a profile with video (get_camera_profiles)",
          );
    }
    throw error;
  }
}
