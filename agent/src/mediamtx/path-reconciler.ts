import type { CameraRegistry } from "../cameras/registry.ts";
import type { Camera } from "../cameras/types.ts";
import type { Logger } from "../log/logger.ts";
import type { MediaMtxClient, PathConf } from "./client.ts";
import { commandLine, type PublishOptions, publishArguments } from "./publish-command.ts";

/** Paths named like camera ids are the agent's; any other path is someone else's, untouched. */
const OWNED = /^camera\d+$/;

export interface ApplyResult {
  added: string[];
  patched: string[];
  deleted: string[];
}

/**
 * Desired MediaMTX paths (one per connected USB camera, named by its id) applied
 * idempotently: add what is missing, patch only fields that differ, delete owned paths whose
 * camera is gone.
 */
export class PathReconciler {
  constructor(
    private readonly client: MediaMtxClient,
    private readonly cameras: CameraRegistry,
    private readonly options: {
      mode: "on_demand" | "on_init";
      publish: PublishOptions;
      /** Whether MediaMTX's recorder should write this camera's stream now. */
      recording: (cameraId: string) => boolean;
      /** Where MediaMTX writes this agent's recordings (under storage.root), flat and unique. */
      recordPath: string;
      /** Cameras start_streaming made always-on (id → since when), whatever streams.mode says. */
      alwaysOn: ReadonlyMap<string, number>;
    },
    private readonly log: Logger,
  ) {}

  /** How cameras are published (for showing the command). */
  publishing(): PublishOptions {
    return this.options.publish;
  }

  /** Whether the camera has (or gets, at the next apply) a MediaMTX path. */
  publishes(camera: Camera): boolean {
    return (
      camera.kind === "usb" &&
      camera.status === "CONNECTED" &&
      publishArguments(camera, this.options.publish) !== undefined
    );
  }

  desired(): Map<string, PathConf> {
    const paths = new Map<string, PathConf>();
    for (const camera of this.cameras.list()) {
      const argv = this.publishes(camera)
        ? publishArguments(camera, this.options.publish)
        : undefined;
      if (!argv) continue;
      const command = commandLine(argv);
      const onDemand = this.options.mode === "on_demand" && !this.options.alwaysOn.has(camera.id);
      paths.set(camera.id, {
        source: "publisher",
        // Both keys are always set, so switching mode clears the other one.
        runOnDemand: onDemand ? command : "",
        runOnDemandRestart: onDemand,
        runOnInit: onDemand ? "" : command,
        runOnInitRestart: !onDemand,
        record: this.options.recording(camera.id),
        recordFormat: "fmp4",
        recordPath: this.options.recordPath,
      });
    }
    return paths;
  }

  /**
   * Makes MediaMTX's paths match the desired state. Calls run one after another, never
   * overlapping: two applies that both list a path as missing would both add it, and
   * MediaMTX refuses the second (400 "path already exists").
   */
  apply(): Promise<ApplyResult> {
    const run = this.queue.then(
      () => this.applyOnce(),
      () => this.applyOnce(),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  private queue: Promise<unknown> = Promise.resolve();

  private async applyOnce(): Promise<ApplyResult> {
    const desired = this.desired();
    const current = new Map(
      (await this.client.listPathConfigs()).flatMap((conf) =>
        conf.name ? [[conf.name, conf] as const] : [],
      ),
    );
    const result: ApplyResult = { added: [], patched: [], deleted: [] };
    for (const name of current.keys()) {
      if (OWNED.test(name) && !desired.has(name)) {
        await this.client.deletePathConfig(name);
        result.deleted.push(name);
      }
    }
    for (const [name, conf] of desired) {
      const existing = current.get(name);
      if (!existing) {
        await this.client.addPathConfig(name, conf);
        result.added.push(name);
        continue;
      }
      const changes = Object.fromEntries(
        Object.entries(conf).filter(([key, value]) => existing[key] !== value),
      );
      if (Object.keys(changes).length > 0) {
        await this.client.patchPathConfig(name, changes);
        result.patched.push(name);
      }
    }
    if (result.added.length + result.patched.length + result.deleted.length > 0) {
      this.log.info(result, "MediaMTX paths applied");
    }
    return result;
  }
}
