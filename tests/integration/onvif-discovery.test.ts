// WS-Discovery for real: UDP multicast inside a network namespace made for the test, where
// simulated ONVIF cameras answer probes (and something answers garbage).
import { expect, test } from "bun:test";
import { join } from "node:path";
import { canMakeNetns, makeNetns } from "../support/netns.ts";

test.skipIf(!canMakeNetns)(
  "discover_cameras finds the cameras on the LAN, says which is added, ignores garbage; viewers may not probe",
  async () => {
    const netns = makeNetns();
    try {
      const child = Bun.spawn(
        netns.exec([process.execPath, join(import.meta.dir, "../support/discovery-scenario.ts")]),
        { stdout: "pipe", stderr: "inherit" },
      );
      const output = await new Response(child.stdout).text();
      expect(await child.exited).toBe(0);
      const result = JSON.parse(output.trim().split("\n").at(-1) ?? "{}") as {
        found: { cameras: Array<Record<string, unknown>>; total: number };
        announced: Array<{ params: Record<string, unknown> }>;
        viewerError: number;
        ports: number[];
      };
      const [first, second] = result.ports;
      const byUrn = (n: number) =>
        result.found.cameras.find((camera) => String(camera.urn).endsWith(`00${n}`));
      expect(result.found.total).toBe(2);
      expect(byUrn(1)).toEqual({
        address: `http://127.0.0.1:${first}/onvif/device_service`,
        urn: "urn:uuid:00000000-0000-0000-0000-000000000001",
        name: "Simulated Vision",
        hardware: "PTZ-1000",
        location: "gate",
        added_as: "camera0",
        first_seen: expect.stringMatching(/Z$/),
        last_seen: expect.stringMatching(/Z$/),
      });
      expect(byUrn(2)).toMatchObject({
        address: `http://127.0.0.1:${second}/onvif/device_service`,
        name: "Other",
        hardware: "BOX-7",
        added_as: null,
      });
      expect(result.announced.map((event) => event.params.urn).sort()).toEqual([
        "urn:uuid:00000000-0000-0000-0000-000000000001",
        "urn:uuid:00000000-0000-0000-0000-000000000002",
      ]);
      expect(result.viewerError).toBe(-32002);
    } finally {
      netns.remove();
    }
  },
  60_000,
);
