import { cameraNumber } from "../camera-ids.ts";
import type { CameraSources, Publication } from "../cameras/source.ts";
import type { Camera } from "../cameras/types.ts";
import type { Logger } from "../log/logger.ts";
import { commandLine } from "../util/command-line.ts";
import type { MediaMtxClient, PathConf } from "./client.ts";

export interface ApplyResult {
  added: string[];
  patched: string[];
  deleted: string[];
}

/** Everything the desired paths are computed from; read fresh at each apply. */
export interface DesiredInputs {
  cameras(): Camera[];
  sources: CameraSources;
  mode: "on_demand" | "on_init";
  /** Whether MediaMTX's recorder should write this camera's stream now. */
  recording(cameraId: string): boolean;
  /** Cameras start_streaming made always-on, whatever `mode` says. */
  alwaysOn(cameraId: string): boolean;
  /** Where MediaMTX writes this agent's recordings (storage-layout's recordPath). */
  recordPath: string;
}

/**
 * Desired MediaMTX paths (one per publishable camera, named by its id) applied idempotently:
 * add what is missing, patch only fields that differ, delete owned paths whose camera is
 * gone. Paths named like no camera id are someone else's and never touched. Only the
 * reconcile loop calls `apply`, one at a time.
 */
export class PathReconciler {
  constructor(
    private readonly client: MediaMtxClient,
    private readonly inputs: DesiredInputs,
    private readonly log: Logger,
  ) {}

  desired(): Map<string, PathConf> {
    const paths = new Map<string, PathConf>();
    for (const camera of this.inputs.cameras()) {
      const publication = this.inputs.sources.publication(camera);
      if (!publication) continue;
      const onDemand = this.inputs.mode === "on_demand" && !this.inputs.alwaysOn(camera.id);
      paths.set(camera.id, {
        ...publisherConf(publication, onDemand),
        record: this.inputs.recording(camera.id),
        recordFormat: "fmp4",
        recordPath: this.inputs.recordPath,
      });
    }
    return paths;
  }

  async apply(): Promise<ApplyResult> {
    await this.inputs.sources.ready();
    const desired = this.desired();
    const current = new Map(
      (await this.client.listPathConfigs()).flatMap((conf) =>
        conf.name ? [[conf.name, conf] as const] : [],
      ),
    );
    const result: ApplyResult = { added: [], patched: [], deleted: [] };
    for (const name of current.keys()) {
      if (cameraNumber(name) !== undefined && !desired.has(name)) {
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

/**
 * A URL MediaMTX pulls from (network cameras), or a command it runs (USB); either on demand or
 * from its start. MediaMTX refuses runOnDemand on a pulled path and sourceOnDemand on a
 * published one, so each kind sets only its own keys.
 */
function publisherConf(publication: Publication, onDemand: boolean): PathConf {
  if (publication.kind === "url") return { source: publication.url, sourceOnDemand: onDemand };
  const command = commandLine(publication.argv);
  return {
    source: "publisher",
    // Both keys are always set, so switching mode clears the other one.
    runOnDemand: onDemand ? command : "",
    runOnDemandRestart: onDemand,
    runOnInit: onDemand ? "" : command,
    runOnInitRestart: !onDemand,
  };
}
