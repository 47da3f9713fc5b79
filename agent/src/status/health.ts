import { isoUtc } from "../util/time.ts";
import {
  type ComponentReport,
  type ComponentState,
  type HealthComponent,
  type HealthLevel,
  levelFor,
  worst,
} from "./component.ts";
import type { RpcStats } from "./rpc-stats.ts";
import { memoryUsedPercent } from "./system.ts";

export interface ComponentSnapshot extends ComponentReport {
  name: string;
  checkedAt: string;
}

export interface HealthSnapshot {
  status: HealthLevel;
  ready: boolean;
  notReady: string | undefined;
  components: ComponentSnapshot[];
  signals: Record<string, { value: number; level: HealthLevel }>;
}

/** [degraded from, unhealthy from] for signals where more is worse (contract §6.17). */
const THRESHOLDS = {
  memory_percent: [90, 95],
  error_rate_percent: [5, 10],
  mean_response_ms: [1000, 2000],
  active_connections: [900, 950],
  active_tasks: [1000, 1200],
} as const;

export interface HealthInputs {
  stats: RpcStats;
  connections(): number;
  tasks(): number;
}

export class HealthReporter {
  private readonly components: HealthComponent[] = [];
  private started = false;

  constructor(private readonly inputs: HealthInputs) {}

  register(component: HealthComponent): void {
    this.components.push(component);
  }

  /** Readiness also needs start-up to have finished (state loaded, listeners bound). */
  markStarted(): void {
    this.started = true;
  }

  async snapshot(): Promise<HealthSnapshot> {
    const components = await Promise.all(
      this.components.map(async (component): Promise<ComponentSnapshot> => {
        const report = await Promise.resolve()
          .then(() => component.report())
          .catch(
            (error: unknown): ComponentReport => ({
              state: "ERROR",
              health: "unhealthy",
              message: `health check failed: ${error instanceof Error ? error.message : String(error)}`,
              details: {},
            }),
          );
        return { name: component.name, checkedAt: isoUtc(), ...report };
      }),
    );
    const window = this.inputs.stats.window();
    const values = {
      memory_percent: memoryUsedPercent(),
      error_rate_percent: window.errorRatePercent,
      mean_response_ms: window.meanResponseMs,
      active_connections: this.inputs.connections(),
      active_tasks: this.inputs.tasks(),
    };
    const signals = Object.fromEntries(
      Object.entries(values).map(([name, value]) => [
        name,
        { value, level: levelFor(value, THRESHOLDS[name as keyof typeof THRESHOLDS]) },
      ]),
    );
    const blocking = this.components.find(
      (component, i) => component.gatesReadiness && components[i]?.health === "unhealthy",
    );
    const notReady = !this.started
      ? "start-up has not finished"
      : blocking
        ? `${blocking.name} is unhealthy`
        : undefined;
    return {
      status: worst([
        ...components.map((component) => component.health),
        ...Object.values(signals).map((signal) => signal.level),
      ]),
      ready: notReady === undefined,
      notReady,
      components,
      signals,
    };
  }

  componentState(snapshot: HealthSnapshot, name: string): ComponentState {
    return snapshot.components.find((component) => component.name === name)?.state ?? "STOPPED";
  }
}
