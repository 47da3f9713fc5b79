import { domainErrors } from "../../domain-error.ts";
import type { Logger } from "../../log/logger.ts";
import type { Notifier } from "../../notifications/notifier.ts";
import { coalesced } from "../../util/coalesced.ts";
import { isoUtc } from "../../util/time.ts";
import type { CameraRegistry } from "../registry.ts";
import { parseOnvifAddress } from "./onvif-device.ts";
import { probeOnvifDevices } from "./ws-discovery.ts";

export interface DiscoveredDevice {
  /** The device service URL to give add_camera as onvif_address. */
  address: string;
  urn: string;
  /** From its announced scopes: what cameras put there varies (brand, model, place). */
  name: string;
  hardware: string;
  location: string;
  /** The camera id it was added as, if it was. */
  addedAs: string | undefined;
  firstSeen: string;
  lastSeen: string;
}

export interface OnvifDiscoveryOptions {
  enabled: boolean;
  intervalMs: number;
  probeTimeoutMs: number;
  /** discovery.onvif.interface: where probes go out; empty for the default route's. */
  networkInterface: string;
}

/**
 * WS-Discovery of ONVIF cameras on the LAN: on demand, and (when enabled) in the background
 * every interval. Devices seen are remembered with when they were seen; a device seen for the
 * first time is announced as `camera.discovered`. Probes never overlap: a request during one
 * gets the next one, which begins after it (so its answer is from a probe it asked for).
 */
export class OnvifDiscovery {
  private readonly seen = new Map<string, Omit<DiscoveredDevice, "addedAs">>();
  private timer: Timer | undefined;
  lastError: string | undefined;

  constructor(
    private readonly options: OnvifDiscoveryOptions,
    private readonly registry: CameraRegistry,
    private readonly notifier: Notifier,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (!this.options.enabled) return;
    const tick = () => {
      void this.discover().catch(() => {});
      this.timer = setTimeout(tick, this.options.intervalMs);
    };
    tick();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Probes (after any probe in progress); every device seen in this run of the agent. */
  async discover(): Promise<DiscoveredDevice[]> {
    await this.probeOnce();
    return this.devices();
  }

  private readonly probeOnce = coalesced(() => this.probe());

  private async probe(): Promise<void> {
    let matches: Awaited<ReturnType<typeof probeOnvifDevices>>;
    try {
      matches = await probeOnvifDevices(this.options.probeTimeoutMs, this.options.networkInterface);
      this.lastError = undefined;
    } catch (error) {
      this.lastError = (error as Error).message;
      this.log.warn({ err: error }, "ONVIF discovery probe failed");
      throw domainErrors.dependencyFailed("WS-Discovery", this.lastError);
    }
    const now = isoUtc();
    for (const match of matches) {
      const address = canonical(match.addresses);
      if (!address) continue;
      const scope = (kind: string) =>
        match.scopes.find((entry) => entry.kind.toLowerCase() === kind)?.value.slice(0, 128) ?? "";
      const known = this.seen.get(match.urn);
      this.seen.set(match.urn, {
        address,
        urn: match.urn,
        name: scope("name"),
        hardware: scope("hardware"),
        location: scope("location"),
        firstSeen: known?.firstSeen ?? now,
        lastSeen: now,
      });
      if (!known) {
        this.log.info({ address, urn: match.urn }, "ONVIF camera discovered");
        this.notifier.publish("camera.discovered", {
          address,
          urn: match.urn,
          name: scope("name"),
        });
      }
    }
  }

  devices(): DiscoveredDevice[] {
    return [...this.seen.values()].map((device) => ({
      ...device,
      addedAs: this.registry.byIdentity(device.address)?.id,
    }));
  }
}

/** The first announced address that parses, in the form add_camera keys cameras by. */
function canonical(addresses: string[]): string | undefined {
  for (const address of addresses) {
    try {
      return parseOnvifAddress(address).url;
    } catch {
      // An address we could not use (https, odd characters): try the next one.
    }
  }
  return undefined;
}
