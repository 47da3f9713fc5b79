import type { OnvifCameraRecord } from "../rtsp/network-camera-store.ts";
import { OnvifDevice, parseOnvifAddress } from "./onvif-device.ts";

/**
 * One connected ONVIF device per camera, reused across calls (connecting costs five SOAP
 * round trips). A failed connection, a changed login or address, or forget() makes the next
 * call connect again.
 */
export class OnvifSessions {
  private readonly devices = new Map<string, { key: string; device: Promise<OnvifDevice> }>();

  constructor(readonly timeoutMs: number) {}

  device(record: OnvifCameraRecord): Promise<OnvifDevice> {
    const key = JSON.stringify([record.onvif.address, record.username, record.password]);
    const known = this.devices.get(record.id);
    if (known?.key === key) return known.device;
    const device = OnvifDevice.connect(
      parseOnvifAddress(record.onvif.address),
      { username: record.username, password: record.password },
      this.timeoutMs,
    );
    this.remember(record.id, key, device);
    return device;
  }

  /** A device connected elsewhere (when the camera was added) for this login. */
  adopt(record: OnvifCameraRecord, device: OnvifDevice): void {
    const key = JSON.stringify([record.onvif.address, record.username, record.password]);
    this.remember(record.id, key, Promise.resolve(device));
  }

  forget(id: string): void {
    this.devices.delete(id);
  }

  private remember(id: string, key: string, device: Promise<OnvifDevice>): void {
    this.devices.set(id, { key, device });
    device.catch(() => {
      if (this.devices.get(id)?.device === device) this.devices.delete(id);
    });
  }
}
