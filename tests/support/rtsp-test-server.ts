import { join } from "node:path";
import { freePort } from "./test-agent.ts";

export interface RtspTestServer {
  url: string;
  port: number;
  stop(): void;
}

/**
 * A real RTSP source (GStreamer, /usr/bin/python3 with its bindings) serving test patterns;
 * with `login`, every path needs it (Digest, or Basic), as a network camera does.
 */
export async function startRtspTestServer(
  paths: string[],
  options: { login?: { user: string; password: string; basic?: boolean }; port?: number } = {},
): Promise<RtspTestServer> {
  const port = options.port ?? freePort();
  const login = options.login
    ? [
        "--login",
        `${options.login.user}:${options.login.password}`,
        ...(options.login.basic ? ["--basic"] : []),
      ]
    : [];
  const child = Bun.spawn(
    [
      "/usr/bin/python3",
      join(import.meta.dir, "rtsp-test-server.py"),
      ...login,
      String(port),
      ...paths,
    ],
    { stdout: "pipe", stderr: "inherit" },
  );
  const reader = child.stdout.getReader();
  const first = await Promise.race([reader.read(), Bun.sleep(20_000).then(() => undefined)]);
  if (!first?.value || !new TextDecoder().decode(first.value).includes("READY")) {
    child.kill();
    throw new Error("the GStreamer RTSP test server did not start");
  }
  return { url: `rtsp://127.0.0.1:${port}`, port, stop: () => child.kill() };
}
