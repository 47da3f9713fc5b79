import type { CameraRegistry } from "../cameras/registry.ts";
import { parseCameraUrl, urlIdentity } from "../cameras/rtsp/camera-url.ts";
import type { NetworkCameraStore } from "../cameras/rtsp/network-camera-store.ts";
import type { RtspWatch } from "../cameras/rtsp/rtsp-watch.ts";
import type { Camera } from "../cameras/types.ts";
import { domainErrors } from "../domain-error.ts";
import type { CameraCatalog } from "./camera-catalog.ts";
import type { MediaServer } from "./media-server.ts";

export interface NetworkCameraInput {
  /** rtsp://…, possibly with a login in it (parseCameraUrl has accepted it). */
  rtspUrl: string;
  /** Override the URL's own login. */
  username?: string;
  password?: string;
  name?: string;
}

export interface CameraChanges {
  name?: string;
  rtspUrl?: string;
  username?: string;
  password?: string;
}

/**
 * Adding, changing and removing cameras by hand (network cameras; USB cameras come and go
 * with their plug, and can only be renamed). Each change is one database transaction; the
 * answer waits for the camera's first reachability check, bounded by its timeout.
 */
export class CameraManagement {
  constructor(
    private readonly registry: CameraRegistry,
    private readonly cameras: CameraCatalog,
    private readonly store: NetworkCameraStore,
    private readonly watch: RtspWatch,
    private readonly media: MediaServer,
    private readonly isRecording: (id: string) => boolean,
    private readonly maxCameras: number,
  ) {}

  async add(input: NetworkCameraInput): Promise<Camera> {
    const { url, username, password } = parseCameraUrl(input.rtspUrl);
    const identity = urlIdentity(url);
    const existing = this.registry.byIdentity(identity);
    if (existing)
      throw domainErrors.invalidState("EXISTS", `that stream is already added as ${existing.id}`);
    const count = this.registry.list().length;
    if (count >= this.maxCameras) {
      throw domainErrors.invalidState(
        "LIMIT",
        `the appliance already has ${count} cameras, its limit (limits.max_cameras)`,
      );
    }
    const name = input.name ?? `Camera at ${new URL(url).host}`;
    const camera = this.registry.ensure(identity, "rtsp", name);
    this.store.put({
      id: camera.id,
      url,
      username: input.username ?? username ?? "",
      password: input.password ?? password ?? "",
    });
    await this.watch.check(camera.id);
    await this.applied();
    return this.cameras.get(camera.id);
  }

  async update(id: string, changes: CameraChanges): Promise<Camera> {
    const camera = this.cameras.get(id);
    const touchesSource =
      changes.rtspUrl !== undefined ||
      changes.username !== undefined ||
      changes.password !== undefined;
    if (touchesSource) {
      const record = this.store.get(id);
      if (!record || camera.source.kind !== "rtsp")
        throw domainErrors.unsupported(
          "camera_source",
          `${id} is a ${camera.source.kind.toUpperCase()} camera: only its name can be changed`,
          "change the name only",
        );
      const parsed = changes.rtspUrl === undefined ? undefined : parseCameraUrl(changes.rtspUrl);
      if (parsed) {
        const other = this.registry.byIdentity(urlIdentity(parsed.url));
        if (other && other.id !== id)
          throw domainErrors.invalidState("EXISTS", `that stream is already added as ${other.id}`);
        this.registry.reidentify(id, urlIdentity(parsed.url));
      }
      this.store.put({
        id,
        url: parsed?.url ?? record.url,
        username: changes.username ?? parsed?.username ?? record.username,
        password: changes.password ?? parsed?.password ?? record.password,
      });
    }
    if (changes.name !== undefined) this.registry.rename(id, changes.name);
    if (touchesSource) {
      await this.watch.check(id);
      await this.applied();
    }
    return this.cameras.get(id);
  }

  /**
   * Waits for MediaMTX to have the camera's path as it now is. The change itself is stored
   * either way: with MediaMTX down, the loop applies it when MediaMTX is back.
   */
  private async applied(): Promise<void> {
    try {
      await this.media.settle();
    } catch {
      // Reported by the MediaMTX health component; the camera is kept.
    }
  }

  remove(id: string): void {
    const camera = this.cameras.get(id);
    if (camera.source.kind !== "rtsp")
      throw domainErrors.unsupported(
        "camera_source",
        `${id} is a ${camera.source.kind.toUpperCase()} camera: it is listed while plugged in`,
        "unplug it instead",
      );
    if (this.isRecording(id))
      throw domainErrors.invalidState("RECORDING", `${id} is recording: stop the recording first`);
    this.watch.forget(id);
    this.registry.remove(id, () => this.store.delete(id));
  }
}
