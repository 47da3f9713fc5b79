# shellcheck shell=sh
# What the A/B update machinery remembers on the data partition, shared by the RAUC boot
# backends and the health gate (sourced, POSIX sh). Root slots are named root-a and root-b,
# the same names as their partitions, boot entries and RAUC bootnames.
#
#   $UPDATE_STATE/slots        one "root-x=good|bad" line per slot
#   $UPDATE_STATE/trial        the slot a one-time trial boot was armed for (absent: none)
#   $UPDATE_STATE/result.json  the last update's outcome, for the agent's get_update_status
#
# Every file is replaced atomically (temp file, fsync, rename, fsync of the directory), so a
# power cut leaves the old or the new content, never a torn one. Readable by everyone: the
# agent (user camera) reports it; only root writes it.

UPDATE_STATE=${UPDATE_STATE:-/var/lib/camera-update}
# The kernel command line, read for rauc.slot= (tests point it at a file of their own).
PROC_CMDLINE=${PROC_CMDLINE:-/proc/cmdline}
# The slot the factory image boots: the one that is good before any update was made.
FACTORY_SLOT=root-a

die() {
  echo "camera-update: $*" >&2
  exit 1
}

check_slot() {
  case "$1" in
    root-a | root-b) ;;
    *) die "unknown slot '$1' (expected root-a or root-b)" ;;
  esac
}

other_slot() {
  case "$1" in
    root-a) echo root-b ;;
    root-b) echo root-a ;;
    *) die "unknown slot '$1'" ;;
  esac
}

# The slot this system booted, from the rauc.slot= the slot's command line carries.
booted_slot() {
  # shellcheck disable=SC2013 # the command line is one line of words
  for word in $(cat "$PROC_CMDLINE"); do
    case "$word" in
      rauc.slot=*) echo "${word#rauc.slot=}" && return 0 ;;
    esac
  done
  die "no rauc.slot= on the kernel command line ($PROC_CMDLINE)"
}

# Replaces FILE with standard input, atomically and durably.
write_atomic() {
  mkdir -p "$UPDATE_STATE"
  tmp="$1.tmp.$$"
  cat >"$tmp"
  chmod 0644 "$tmp"
  sync "$tmp"
  mv -f "$tmp" "$1"
  sync "$(dirname "$1")"
}

slot_state() {
  state=$(sed -n "s/^$1=//p" "$UPDATE_STATE/slots" 2>/dev/null || true)
  if [ -n "$state" ]; then
    echo "$state"
  elif [ "$1" = "$FACTORY_SLOT" ]; then
    echo good
  else
    # Never installed: nothing there to boot.
    echo bad
  fi
}

set_slot_state() {
  other=$(other_slot "$1")
  printf '%s=%s\n%s=%s\n' "$1" "$2" "$other" "$(slot_state "$other")" | sort |
    write_atomic "$UPDATE_STATE/slots"
}

trial_slot() {
  cat "$UPDATE_STATE/trial" 2>/dev/null || true
}

set_trial() {
  echo "$1" | write_atomic "$UPDATE_STATE/trial"
}

clear_trial() {
  if [ -e "$UPDATE_STATE/trial" ]; then
    rm -f "$UPDATE_STATE/trial"
    sync "$UPDATE_STATE"
  fi
}

# JSON string body: backslashes, quotes and control characters escaped.
json_string() {
  printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | tr '\n\t\r' '   '
}

# record_result SLOT committed|rolled-back REASON
record_result() {
  printf '{"slot":"%s","result":"%s","reason":"%s","at":"%s"}\n' \
    "$1" "$2" "$(json_string "$3")" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" |
    write_atomic "$UPDATE_STATE/result.json"
}
