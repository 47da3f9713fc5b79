// The agent and its CLI straight from this checkout, for trying it out and for development:
//   npm start                       → camera-agent run
//   npm run -s cli -- COMMAND …     → camera-agent COMMAND …   (keys, token, check-config, …)
// Both use config/camera-agent.yaml and keep state in <checkout>/.state, so they work as any
// user and share one key store; CAMERA_AGENT_STATE_DIR / CAMERA_AGENT_STORAGE_ROOT or an
// explicit --config still win.
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const args = Bun.argv.slice(2);
const state = join(root, ".state");
const env = {
  ...process.env,
  CAMERA_AGENT_STATE_DIR: process.env.CAMERA_AGENT_STATE_DIR ?? state,
  CAMERA_AGENT_STORAGE_ROOT: process.env.CAMERA_AGENT_STORAGE_ROOT ?? state,
};
// Commands that read the agent's config get the checkout's unless one is named.
const withConfig =
  ["run", "init", "keys", "token"].includes(args[0] ?? "") && !args.includes("--config");
const command = [
  process.execPath,
  join(root, "agent/src/main.ts"),
  ...args,
  ...(withConfig ? ["--config", join(root, "config/camera-agent.yaml")] : []),
];
if (args[0] === "run")
  console.error(`camera-agent from this checkout; state in ${env.CAMERA_AGENT_STATE_DIR}`);
const child = Bun.spawn(command, { env, stdio: ["inherit", "inherit", "inherit"] });
// Ctrl-C reaches the agent itself (same process group): only wait for it to stop. A SIGTERM
// sent to this process alone is passed on.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => child.kill("SIGTERM"));
process.exit(await child.exited);
