/** Environment as systemd sets it for a unit's StateDirectory= / ConfigurationDirectory=. */
type Environment = Record<string, string | undefined>;

/** The first of systemd's colon-separated directory list in `name`, if it is set. */
function firstDirectory(env: Environment, name: string): string | undefined {
  const first = env[name]?.split(":")[0];
  return first?.startsWith("/") ? first : undefined;
}

/**
 * Where the unit's StateDirectory= is (systemd creates it with the right owner and mode);
 * state.dir and storage.root default to it. The config file and CAMERA_AGENT_* still win.
 */
export function systemdStateDirectory(env: Environment): string | undefined {
  return firstDirectory(env, "STATE_DIRECTORY");
}

/** The unit's ConfigurationDirectory=, else the packaged /etc/camera-agent. */
export function configurationDirectory(env: Environment): string {
  return firstDirectory(env, "CONFIGURATION_DIRECTORY") ?? "/etc/camera-agent";
}
