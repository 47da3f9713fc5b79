import { maskUrlCredentials } from "../../util/url-credentials.ts";
import { fetchSnapshot } from "../onvif/snapshot-fetch.ts";
import type { Publication, SourceAdapter, VideoMode } from "../source.ts";
import type { Camera } from "../types.ts";
import { withLogin } from "./camera-url.ts";
import type { NetworkCameraStore } from "./network-camera-store.ts";

/**
 * A network camera is published by MediaMTX pulling its RTSP URL (with its login); an ONVIF
 * camera with a snapshot URI makes its own stills.
 */
export class RtspPublisher implements SourceAdapter {
  constructor(
    private readonly store: NetworkCameraStore,
    private readonly snapshotTimeoutMs: number,
  ) {}

  /** The mode its stream description announced; cameras choose it, the agent does not. */
  captureMode(camera: Camera): VideoMode | undefined {
    const video = camera.source.capabilities?.formats[0];
    if (!video || video.width === 0) return undefined;
    return { width: video.width, height: video.height, fps: video.fps[0] ?? 0 };
  }

  publication(camera: Camera): Publication | undefined {
    const record = this.store.get(camera.id);
    if (!record) return undefined;
    const url = withLogin(record.url, record.username, record.password);
    return { kind: "url", url, shown: [maskUrlCredentials(url)] };
  }

  stillImage(camera: Camera): Promise<Uint8Array> | undefined {
    const record = this.store.get(camera.id);
    const url = record?.onvif?.snapshotUrl;
    if (!record || !url) return undefined;
    return fetchSnapshot(url, record, this.snapshotTimeoutMs);
  }
}
