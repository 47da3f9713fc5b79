import { execa } from "execa";

/** The agent's own unit, for commands that must stop and start it (backup restore). */
export const AGENT_UNIT = "camera-agent.service";

/** Whether systemd runs `unit` now; false where there is no systemd (a container, a checkout). */
export async function unitActive(unit: string): Promise<boolean> {
  const result = await execa("systemctl", ["is-active", "--quiet", unit], { reject: false });
  return result.exitCode === 0;
}

export async function stopUnit(unit: string): Promise<void> {
  await execa("systemctl", ["stop", unit]);
}

export async function startUnit(unit: string): Promise<void> {
  // A restore may have exhausted the start limit with earlier failed starts.
  await execa("systemctl", ["reset-failed", unit], { reject: false });
  await execa("systemctl", ["start", unit], { reject: false });
}

/** Polls a /health/ready URL until it answers 200; false after `timeoutMs`. */
export async function waitReady(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const status = await fetch(url, { tls: { rejectUnauthorized: false } }).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return true;
    await Bun.sleep(500);
  }
  return false;
}
