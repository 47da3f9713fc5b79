// What every part the agent runs reports about its health, and how reports combine.

export type ComponentState = "RUNNING" | "STOPPED" | "ERROR" | "STARTING" | "STOPPING";
export type HealthLevel = "healthy" | "degraded" | "unhealthy";

export interface ComponentReport {
  state: ComponentState;
  health: HealthLevel;
  message: string;
  details: Record<string, unknown>;
}

/** Something the agent runs whose health it reports; later subsystems register their own. */
export interface HealthComponent {
  readonly name: string;
  /** When unhealthy, /health/ready answers 503 (update health gates roll back on it). */
  readonly gatesReadiness: boolean;
  report(): Promise<ComponentReport> | ComponentReport;
}

const ORDER: Record<HealthLevel, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

export function worst(levels: HealthLevel[]): HealthLevel {
  return levels.reduce<HealthLevel>((a, b) => (ORDER[b] > ORDER[a] ? b : a), "healthy");
}

export function levelFor(
  value: number,
  [degraded, unhealthy]: readonly [number, number],
): HealthLevel {
  if (value > unhealthy) return "unhealthy";
  if (value >= degraded) return "degraded";
  return "healthy";
}
