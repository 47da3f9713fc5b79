# shellcheck shell=sh
# Shared by the update scripts in this directory: messages, options every script takes, and
# the agent's local health and metrics URLs. Sourced, not run.

HEALTH_PORT=${HEALTH_PORT:-8003}

say() { echo "$SCRIPT: $*"; }
die() { echo "$SCRIPT: $*" >&2; exit 1; }
usage_error() { echo "$SCRIPT: $*" >&2; usage >&2; exit 2; }

# A whole number (seconds, MiB, a port), or a usage error naming the option.
number() {
  case "$2" in
    '' | *[!0-9]*) usage_error "$1 needs a whole number, not \"$2\"" ;;
  esac
  echo "$2"
}

# The agent's health listener on this machine (health.port of its config; 8003 by default).
agent_url() { echo "http://127.0.0.1:$HEALTH_PORT$1"; }

# A top-level string of `camera-agent update status --json` (pretty-printed, two spaces).
status_field() {
  echo "$1" | sed -n "s/^  \"$2\": \"\\([^\"]*\\)\",\\{0,1\\}\$/\\1/p"
}

# The bundle version RAUC recorded for slot $2 in that status ("null": none, as in the
# factory image's slots).
slot_version() {
  echo "$1" | awk -v slot="$2" '
    /^    \{/ { version = ""; name = "" }
    /^      "name": / { name = $2; gsub(/[",]/, "", name) }
    /^      "version": / { version = $2; gsub(/[",]/, "", version) }
    /^    \}/ { if (name == slot) print version }
  '
}
