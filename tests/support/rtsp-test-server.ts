import { join } from "node:path";
import { freePort } from "./test-agent.ts";

/** A real RTSP source (GStreamer, /usr/bin/python3 with its bindings) serving test patterns. */
export async function startRtspTestServer(paths: string[]): Promise<{ url: string; stop(): void }> {
  const port = freePort();
  const child = Bun.spawn(
    ["/usr/bin/python3", join(import.meta.dir, "rtsp-test-server.py"), String(port), ...paths],
    {
      stdout: "pipe",
      stderr: "inherit",
    },
  );
  const reader = child.stdout.getReader();
  const first = await Promise.race([reader.read(), Bun.sleep(20_000).then(() => undefined)]);
  if (!first?.value || !new TextDecoder().decode(first.value).includes("READY")) {
    child.kill();
    throw new Error("the GStreamer RTSP test server did not start");
  }
  return { url: `rtsp://127.0.0.1:${port}`, stop: () => child.kill() };
}
