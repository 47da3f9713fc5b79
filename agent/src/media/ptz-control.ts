import type { OnvifDevice } from "../cameras/onvif/onvif-device.ts";
import { OnvifError, type PtzPreset, type PtzVector } from "../cameras/onvif/onvif-device.ts";
import type { OnvifSessions } from "../cameras/onvif/onvif-sessions.ts";
import type { NetworkCameraStore } from "../cameras/rtsp/network-camera-store.ts";
import { domainErrors } from "../domain-error.ts";
import type { CameraCatalog } from "./camera-catalog.ts";

export type PtzMove =
  | { mode: "continuous"; velocity: PtzVector; timeoutMs: number }
  | { mode: "relative"; step: PtzVector }
  | { mode: "absolute"; position: PtzVector };

export interface PtzCapabilities {
  ptz: boolean;
  presets: boolean;
  home: boolean;
  moves: Array<PtzMove["mode"]>;
}

const NONE: PtzCapabilities = { ptz: false, presets: false, home: false, moves: [] };

/**
 * Pan, tilt, zoom and presets of ONVIF cameras, through the camera's own PTZ service. The
 * camera's refusals come back with its own fault text; a camera that stops answering is
 * reconnected on the next call.
 */
export class PtzControl {
  constructor(
    private readonly cameras: CameraCatalog,
    private readonly store: NetworkCameraStore,
    private readonly sessions: OnvifSessions,
  ) {}

  /** What the camera supports; a camera that cannot be asked now supports nothing. */
  async capabilities(id: string): Promise<PtzCapabilities> {
    const camera = this.cameras.get(id);
    const record = this.store.get(id);
    if (camera.source.kind !== "onvif" || !record?.onvif || camera.status === "DISCONNECTED")
      return NONE;
    const { onvif } = record;
    try {
      const device = await this.sessions.device({ ...record, onvif });
      const ptz =
        device.ptzSupported && device.profiles.some((p) => p.token === onvif.profile && p.ptz);
      return ptz
        ? { ptz, presets: true, home: true, moves: ["continuous", "relative", "absolute"] }
        : NONE;
    } catch {
      return NONE;
    }
  }

  move(id: string, move: PtzMove): Promise<void> {
    return this.run(id, (device, profile) => {
      switch (move.mode) {
        case "continuous":
          return device.continuousMove(profile, move.velocity, move.timeoutMs);
        case "relative":
          return device.relativeMove(profile, move.step);
        case "absolute":
          return device.absoluteMove(profile, move.position);
      }
    });
  }

  stop(id: string): Promise<void> {
    return this.run(id, (device, profile) => device.stop(profile));
  }

  home(id: string): Promise<void> {
    return this.run(id, (device, profile) => device.home(profile));
  }

  presets(id: string): Promise<PtzPreset[]> {
    return this.run(id, (device, profile) => device.presets(profile));
  }

  setPreset(id: string, name: string, token: string | undefined): Promise<string> {
    return this.run(id, (device, profile) => device.setPreset(profile, name, token));
  }

  gotoPreset(id: string, token: string): Promise<void> {
    return this.run(id, (device, profile) => device.gotoPreset(profile, token));
  }

  removePreset(id: string, token: string): Promise<void> {
    return this.run(id, (device, profile) => device.removePreset(profile, token));
  }

  private async run<T>(
    id: string,
    action: (device: OnvifDevice, profile: string) => Promise<T>,
  ): Promise<T> {
    const camera = this.cameras.get(id);
    const record = this.store.get(id);
    if (camera.source.kind !== "onvif" || !record?.onvif)
      throw domainErrors.unsupported(
        "ptz",
        `${id} is not an ONVIF camera: it has no PTZ`,
        "PTZ works on cameras added by onvif_address",
      );
    if (camera.status === "DISCONNECTED")
      throw domainErrors.invalidState(
        "DISCONNECTED",
        `${id} is offline: ${camera.error ?? "not reachable"}`,
      );
    const { onvif } = record;
    try {
      const device = await this.sessions.device({ ...record, onvif });
      const profile = device.profiles.find((candidate) => candidate.token === onvif.profile);
      if (!device.ptzSupported || !profile?.ptz)
        throw domainErrors.unsupported(
          "ptz",
          `${id} has no PTZ unit on profile "${onvif.profile}"`,
          "check get_camera_capabilities",
        );
      return await action(device, onvif.profile);
    } catch (error) {
      if (!(error instanceof OnvifError)) throw error;
      // Anything but the camera's own refusal may mean a stale session: connect afresh next time.
      if (error.reason !== "fault") this.sessions.forget(id);
      throw domainErrors.dependencyFailed("camera", error.message);
    }
  }
}
