export const USAGE = `Usage: camera-agent <command> [options]

Commands:
  run [--config FILE]             Start the agent. Without --config, ${"/etc/camera-agent/config.yaml"}
                                  is used when it exists, else built-in defaults.
  check-config FILE               Validate FILE (with CAMERA_AGENT_* overrides applied) and list
                                  every problem with its key; exit 1 when there is any.
  init [--admin-key-file FILE] [--mediamtx-template FILE] [--mediamtx-config FILE] [--tls]
                                  First-boot setup, safe to repeat: create the JWT secret, an admin
                                  API key (default /etc/camera-agent/admin-api-key, 0600), MediaMTX
                                  API credentials, and mediamtx.yml from the template (default
                                  /usr/share/camera-agent/mediamtx.yml → /etc/camera-agent/
                                  mediamtx.yml) unless they exist; never replaces a secret.
                                  --tls: also a self-signed certificate for wss:// (at
                                  server.tls_cert/tls_key, default /etc/camera-agent/tls/).
  version, --version, -V          Print version, git commit, build date, runtime and architecture.
  keys create --role ROLE --name NAME [--expires DURATION]
                                  Create an API key; the key is printed once and only its hash kept.
  keys list [--json]              List API keys (never the keys themselves).
  keys revoke ID|NAME             Revoke an API key; sessions using it end at their next call.
  token --role ROLE [--ttl DURATION] [--user USER]
                                  Mint an HS256 JWT with the configured secret (default ttl 1h).
  backup create [--output FILE] [--passphrase-file FILE]
                                  Back up config, secrets, API keys and the database (not
                                  recordings) into a 0600 archive, by default in
                                  <state.dir>/backups; encrypted (gpg, AES-256) with a passphrase.
  backup verify FILE [--passphrase-file FILE]
                                  Check an archive completely (every checksum, safe names, the
                                  config) without changing anything; exit 1 naming the problem.
  backup list [--json]            List the archives in <state.dir>/backups.
  backup restore FILE [--passphrase-file FILE] [--dry-run] [--ready-timeout DURATION]
                                  Verify, stop the agent, put the files in place (crash-safe),
                                  start it and wait for ready (default 90s); not ready: the
                                  previous files go back. --dry-run lists the changes only.
  update status [--json]          The A/B update state (image only): booted slot, the next boot's
                                  slot, each slot's state and version, the last update's result.
  update install BUNDLE [--reboot] [--json]
                                  As root: back up the config, check the signed bundle
                                  completely, install it into the other slot (the next boot tries
                                  it once, the health gate commits or rolls back); --reboot now;
                                  --json prints the update status after the install.
  help, --help, -h                Show this text.

Options:
  --config FILE                   Config file for run, init, keys, token and backup.
  ROLE is viewer, operator or admin; DURATION looks like 90s, 15m, 12h or 30d.
`;

/** Wrong command line: usage is printed and the exit status is 2. */
export class UsageError extends Error {}
