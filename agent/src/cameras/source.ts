import type { ModePreference } from "./capture-mode.ts";
import type { Camera, SourceKind } from "./types.ts";

/** The mode a camera is captured in. */
export interface VideoMode {
  width: number;
  height: number;
  fps: number;
}

/**
 * How MediaMTX gets a camera's video: a command it runs that publishes to the path (USB), or
 * a URL it pulls from (network cameras; `url` carries the login). `shown` is what clients may
 * see of it: no device paths, no logins.
 */
export type Publication =
  | { kind: "command"; argv: string[]; shown: string[] }
  | { kind: "url"; url: string; shown: string[] };

/** What each kind of source provides; one implementation per kind (cameras/<kind>/). */
export interface SourceAdapter {
  /** The mode it is captured in: the same answer the publication uses. */
  captureMode(camera: Camera, preference: ModePreference | undefined): VideoMode | undefined;
  /** How to publish it now; undefined when it cannot be (no usable format, no device path). */
  publication(camera: Camera, preference: ModePreference | undefined): Publication | undefined;
  /** A JPEG the camera makes itself (ONVIF snapshot URI); undefined when it has no such thing. */
  stillImage?(camera: Camera): Promise<Uint8Array> | undefined;
  /** Resolves once `publication` gives its final answers (USB: the encoder is known). */
  ready?(): Promise<void>;
}

/** Every source kind's adapter, chosen by the camera's `source.kind`. */
export class CameraSources {
  constructor(
    private readonly adapters: Record<SourceKind, SourceAdapter>,
    private readonly preferences: Readonly<Record<string, ModePreference>>,
  ) {}

  captureMode(camera: Camera): VideoMode | undefined {
    return this.adapters[camera.source.kind].captureMode(camera, this.preferences[camera.id]);
  }

  /** Undefined unless the camera is connected and publishable. */
  publication(camera: Camera): Publication | undefined {
    if (camera.status !== "CONNECTED") return undefined;
    return this.adapters[camera.source.kind].publication(camera, this.preferences[camera.id]);
  }

  /** Before anything is published: every adapter's `ready`. */
  async ready(): Promise<void> {
    await Promise.all(Object.values(this.adapters).map((adapter) => adapter.ready?.()));
  }

  stillImage(camera: Camera): Promise<Uint8Array> | undefined {
    return this.adapters[camera.source.kind].stillImage?.(camera);
  }
}
