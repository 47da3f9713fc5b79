#!/usr/bin/env bash
# Installs (or updates, or removes) the camera agent on Debian 12, Ubuntu 22.04+/24.04 and
# Raspberry Pi OS, amd64 or arm64 - on this machine, or with --root into an image tree.
# Every step compares before it changes, so a second run changes nothing and says so.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: install.sh [options]

  --agent FILE           camera-agent binary (default: dist/camera-agent-linux-<arch> of this checkout)
  --mediamtx FILE        MediaMTX release tarball (.tar.gz) or binary, for offline installs
  --mediamtx-mirror URL  fetch the pinned release from URL/<version>/<asset> (same checksum)
  --mediamtx-pin FILE    pin another release (format of provisioning/mediamtx-release.conf)
  --mediamtx-url URL     download MediaMTX from URL ...
  --mediamtx-sha256 HEX  ... and refuse it unless its sha256 is HEX (required with --mediamtx-url)
  --no-mediamtx          leave MediaMTX as it is (not installed, or installed some other way)
  --root DIR             install into the tree at DIR (an image being built): nothing is started
  --arch ARCH            amd64 or arm64 (default: this machine's; set it for foreign image trees)
  --dry-run              say what would change, change nothing
  --uninstall            remove what was installed; keep config, data and users
  --purge                --uninstall, then remove config, data and users too
  --no-start             install and enable, but do not start or restart services
  --no-backup            update without first backing up the installed agent's config
  --keep-previous FILE   before replacing the installed agent binary, keep it at FILE (for a
                         rollback); FILE is removed when this run does not replace it
  -h, --help             this text

By default MediaMTX is the release pinned in provisioning/mediamtx-release.conf, downloaded
from MediaMTX's official releases and refused unless its sha256 is the pinned one; when that
release is already installed, nothing is downloaded.

Updating an installed agent (on this machine) first makes a config backup with the installed
binary (camera-agent backup create): the update stops if that fails.
USAGE
}

die() { echo "install.sh: $*" >&2; exit 1; }
say() { echo "$*"; }

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
root=""
agent=""
mediamtx=""
mediamtx_url=""
mediamtx_sha256=""
mediamtx_mirror=""
mediamtx_pin="$here/mediamtx-release.conf"
with_mediamtx=true
arch=""
mode=install
dry_run=false
start=true
backup=true
keep_previous=""

while [ $# -gt 0 ]; do
  case "$1" in
    --agent) agent=${2:?--agent needs a FILE}; shift 2 ;;
    --mediamtx) mediamtx=${2:?--mediamtx needs a FILE}; shift 2 ;;
    --mediamtx-url) mediamtx_url=${2:?--mediamtx-url needs a URL}; shift 2 ;;
    --mediamtx-sha256) mediamtx_sha256=${2:?--mediamtx-sha256 needs a HEX digest}; shift 2 ;;
    --mediamtx-mirror) mediamtx_mirror=${2:?--mediamtx-mirror needs a URL}; shift 2 ;;
    --mediamtx-pin) mediamtx_pin=${2:?--mediamtx-pin needs a FILE}; shift 2 ;;
    --no-mediamtx) with_mediamtx=false; shift ;;
    --root) root=${2:?--root needs a DIR}; shift 2 ;;
    --arch) arch=${2:?--arch needs amd64 or arm64}; shift 2 ;;
    --dry-run) dry_run=true; shift ;;
    --uninstall) mode=uninstall; shift ;;
    --purge) mode=purge; shift ;;
    --no-start) start=false; shift ;;
    --no-backup) backup=false; shift ;;
    --keep-previous) keep_previous=${2:?--keep-previous needs a FILE}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

[ "$(id -u)" -eq 0 ] || die "must be run as root (it installs system files, users and services)"
if [ -n "$root" ]; then
  [ -d "$root" ] || die "--root $root is not a directory"
  root=$(cd "$root" && pwd)
  start=false
fi
live() { [ -z "$root" ]; }
if [ -n "$keep_previous" ]; then
  [[ "$keep_previous" == /* ]] || die "--keep-previous $keep_previous: give an absolute path"
  [ -d "$(dirname "$keep_previous")" ] || die "--keep-previous $keep_previous: no directory $(dirname "$keep_previous")"
fi

# --- what this is being installed on -------------------------------------------------------
os_release="$root/etc/os-release"
[ -r "$os_release" ] || os_release="$root/usr/lib/os-release"
[ -r "$os_release" ] || die "cannot identify the OS: no $root/etc/os-release"
# shellcheck source=/dev/null
os_id=$(. "$os_release"; echo "${ID:-}")
# shellcheck source=/dev/null
os_version=$(. "$os_release"; echo "${VERSION_ID:-}")
# shellcheck source=/dev/null
os_name=$(. "$os_release"; echo "${PRETTY_NAME:-$os_id $os_version}")
case "$os_id:$os_version" in
  debian:12|raspbian:12) ;;
  ubuntu:*)
    major=${os_version%%.*}
    if ! [[ "$major" =~ ^[0-9]+$ ]] || [ "$major" -lt 22 ]; then
      die "unsupported OS: $os_name (supported: Debian 12, Ubuntu 22.04 or newer, Raspberry Pi OS 12)"
    fi
    ;;
  *) die "unsupported OS: $os_name (supported: Debian 12, Ubuntu 22.04 or newer, Raspberry Pi OS 12)" ;;
esac
if [ -z "$arch" ]; then
  arch=$(dpkg --print-architecture 2>/dev/null || uname -m)
fi
case "$arch" in
  amd64|x86_64) arch=amd64; agent_arch=x64 ;;
  arm64|aarch64) arch=arm64; agent_arch=arm64 ;;
  *) die "unsupported architecture: $arch (supported: amd64, arm64)" ;;
esac

changes=()
changed() { changes+=("$1"); say "$1"; }
run() { if $dry_run; then say "  (dry run) would run: $*"; else "$@"; fi; }

BIN=/usr/bin
UNITS=/usr/lib/systemd/system
SHARE=/usr/share/camera-agent
INSTALLED_FILES=(
  "$BIN/camera-agent" "$BIN/mediamtx"
  "$UNITS/camera-agent.service" "$UNITS/mediamtx.service"
  "$UNITS/camera-agent-backup.service" "$UNITS/camera-agent-backup.timer"
  /usr/lib/sysusers.d/camera-agent.conf /usr/lib/tmpfiles.d/camera-agent.conf
  "$SHARE/camera-agent.yaml" "$SHARE/mediamtx.yml" "$SHARE/mediamtx.release"
)
DATA_DIRS=(/etc/camera-agent /var/lib/camera-agent /var/lib/mediamtx)

# Copies SRC to DEST (inside the root) unless DEST already has that content and mode.
place() {
  local src=$1 dest=$root$2 mode=$3 owner=${4:-root:root}
  if [ -f "$dest" ] && cmp -s "$src" "$dest" && [ "$(stat -c %a "$dest")" = "${mode#0}" ]; then
    return 0
  fi
  local verb=installed
  [ -e "$dest" ] && verb=updated
  if $dry_run; then changed "would be $verb: $2"; return 0; fi
  mkdir -p "$(dirname "$dest")"
  local temp
  temp=$(mktemp "$(dirname "$dest")/.install.XXXXXX")
  cat "$src" > "$temp"
  chmod "$mode" "$temp"
  chown "$(owner_ids "$owner")" "$temp"
  mv -f "$temp" "$dest"
  changed "$verb: $2"
}

# user:group as numeric ids from the target tree's own passwd and group files.
owner_ids() {
  local user=${1%%:*} group=${1##*:} uid gid
  uid=$(awk -F: -v name="$user" '$1 == name { print $3 }' "$root/etc/passwd")
  gid=$(awk -F: -v name="$group" '$1 == name { print $3 }' "$root/etc/group")
  if [ -z "$uid" ] || [ -z "$gid" ]; then die "no user or group $1 in $root/etc/passwd, $root/etc/group"; fi
  echo "$uid:$gid"
}

fingerprint() { cat "$root/etc/passwd" "$root/etc/group" 2>/dev/null | sha256sum; }

# Sets mediamtx_file to the MediaMTX binary to install (downloaded and verified if needed) and
# writes what $SHARE/mediamtx.release will say of it; leaves mediamtx_file empty when there is
# nothing to install. Not run in a subshell, so its errors stop the install.
mediamtx_file=""
resolve_mediamtx() {
  local work=$1 source=$mediamtx pinned_version pinned_asset pinned_sha256
  $with_mediamtx || return 0
  if [ -n "$mediamtx_url" ]; then
    [ -n "$mediamtx_sha256" ] || die "--mediamtx-url needs --mediamtx-sha256: nothing unverified is installed"
    source="$work/download"
    curl -fsSL --retry 2 --max-time 300 -o "$source" "$mediamtx_url" || die "cannot download $mediamtx_url"
    local actual
    actual=$(sha256sum "$source" | cut -d' ' -f1)
    [ "$actual" = "${mediamtx_sha256,,}" ] || die "checksum mismatch for $mediamtx_url: expected $mediamtx_sha256, got $actual; refusing to install it"
  fi
  read -r pinned_version pinned_asset pinned_sha256 < <(
    "$here/fetch-mediamtx.sh" --arch "$arch" --pin "$mediamtx_pin" --print-asset) ||
    die "cannot read the MediaMTX pin $mediamtx_pin"
  if [ -z "$source" ]; then
    # The pinned release. Already installed from it (binary unchanged): nothing to fetch.
    if [ -f "$root$BIN/mediamtx" ] && [ -f "$root$SHARE/mediamtx.release" ] &&
      [ "$(cat "$root$SHARE/mediamtx.release")" = "$(release_record "$pinned_version" "$pinned_sha256" "$root$BIN/mediamtx")" ]; then
      say "MediaMTX $pinned_version: installed, matches the pin"
      return 0
    fi
    if $dry_run; then
      changed "would download and verify MediaMTX $pinned_version ($pinned_asset)"
      return 0
    fi
    source="$work/$pinned_asset"
    local fetch=("$here/fetch-mediamtx.sh" --arch "$arch" --pin "$mediamtx_pin" --output "$source")
    [ -n "$mediamtx_mirror" ] && fetch+=(--mirror "$mediamtx_mirror")
    "${fetch[@]}" || die "MediaMTX $pinned_version was not installed (nothing was changed): for an offline install pass the release tarball with --mediamtx FILE, or --no-mediamtx to leave MediaMTX out"
  fi
  [ -f "$source" ] || die "--mediamtx $source: no such file"
  local version=unpinned
  if [ "$(sha256sum < "$source" | cut -d' ' -f1)" = "$pinned_sha256" ]; then
    version=$pinned_version
  else
    say "MediaMTX: $source is not the pinned release $pinned_asset (sha256 differs); installing it as given"
  fi
  if tar -tzf "$source" >/dev/null 2>&1; then
    tar -xzf "$source" -C "$work" mediamtx || die "$source has no mediamtx binary in it"
    mediamtx_file="$work/mediamtx"
  else
    mediamtx_file=$source
  fi
  release_record "$version" "$(sha256sum < "$source" | cut -d' ' -f1)" "$mediamtx_file" > "$work/mediamtx.release"
}

# What $SHARE/mediamtx.release records: the release, the file it came from, the binary.
release_record() {
  printf 'version=%s\nsource_sha256=%s\nbinary_sha256=%s\n' "$1" "$2" "$(sha256sum < "$3" | cut -d' ' -f1)"
}

install_packages() {
  if ! live; then
    say "packages: ffmpeg, v4l-utils and gpg are the image build's to install (--root)"
    return
  fi
  # By command, not package status: a system image may carry no dpkg database, and ffmpeg
  # may come from elsewhere.
  local -A package_of=([ffmpeg]=ffmpeg [v4l2-ctl]=v4l-utils [curl]=curl [gpg]=gpg [gpg-agent]=gpg-agent)
  local missing=() command
  for command in "${!package_of[@]}"; do
    command -v "$command" >/dev/null 2>&1 || missing+=("${package_of[$command]}")
  done
  [ "${#missing[@]}" -eq 0 ] && return
  changed "packages: installing ${missing[*]}"
  run env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Starting UNITS failed. An agent that did not start is stopped rather than left restarting on
# its own (each try starts the binary again, and runs its migrations again), and the way back
# is named.
start_failed() {
  if systemctl is-active --quiet camera-agent.service; then
    die "not every one of $* started: see systemctl status $*"
  fi
  systemctl stop camera-agent.service || true
  local back=""
  [ -n "$keep_previous" ] && [ -f "$keep_previous" ] &&
    back="; the binary it replaced is kept at $keep_previous (install.sh --agent $keep_previous puts it back)"
  die "camera-agent did not start, so it was stopped: see journalctl -u camera-agent$back"
}

wait_ready() {
  local port=8003 body
  for _ in $(seq 1 60); do
    if body=$(exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'GET /health/ready HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3 && cat <&3) 2>/dev/null &&
      [[ "$body" == "HTTP/1.1 200"* ]]; then
      say "camera-agent is ready (http://localhost:$port/health/ready)"
      return 0
    fi
    sleep 1
  done
  die "camera-agent did not become ready within 60 s: see journalctl -u camera-agent"
}

# Whether this run would replace the installed agent or its units (so it is an update).
update_pending() {
  local pair src dest
  for pair in "$agent:$BIN/camera-agent" \
    "$repo/systemd/camera-agent.service:$UNITS/camera-agent.service" \
    "$repo/systemd/mediamtx.service:$UNITS/mediamtx.service" \
    "$repo/systemd/camera-agent-backup.service:$UNITS/camera-agent-backup.service" \
    "$repo/systemd/camera-agent-backup.timer:$UNITS/camera-agent-backup.timer"; do
    src=${pair%%:*} dest=$root${pair#*:}
    cmp -s "$src" "$dest" || return 0
  done
  return 1
}

# Before an update replaces anything: a backup made by the installed agent, which can
# restore it if the new version has to be rolled back. Archives belong to the agent's user
# (older agents wrote them as root), so the agent can list and serve them.
pre_update_backup() {
  local installed=$BIN/camera-agent config=/etc/camera-agent/config.yaml archive
  live && $backup && [ -x "$installed" ] && [ -f "$config" ] && update_pending || return 0
  if $dry_run; then say "would back up the installed agent's config first"; return 0; fi
  archive=$("$installed" backup create --config "$config") ||
    die "the backup before the update failed (nothing was changed); --no-backup skips it"
  chown -R --reference=/var/lib/camera-agent /var/lib/camera-agent/backups
  say "backed up before the update: $archive"
}

# Before anything changes: the installed binary that this run replaces, where a rollback
# finds it (a copy in the shell: the fleet's rescue needs no module run of its own for it). A
# FILE left by an earlier run is removed, so a rollback never puts back an older release.
keep_previous_binary() {
  local installed=$root$BIN/camera-agent temp
  [ -n "$keep_previous" ] || return 0
  if [ -f "$installed" ] && ! cmp -s "$agent" "$installed"; then
    if $dry_run; then say "would keep the installed agent binary at $keep_previous"; return 0; fi
    # Beside FILE, so the rename is atomic; a failed copy leaves no partial file behind.
    temp=$(mktemp "$(dirname "$keep_previous")/.previous.XXXXXX")
    if ! { cp "$installed" "$temp" && chmod 0755 "$temp" && mv -fT "$temp" "$keep_previous"; }; then
      rm -f "$temp"
      die "could not keep the installed agent binary at $keep_previous (nothing was changed)"
    fi
    say "kept the installed agent binary: $keep_previous"
  elif ! $dry_run; then
    rm -f "$keep_previous"
  fi
}

do_install() {
  [ -n "$agent" ] || agent="$repo/dist/camera-agent-linux-$agent_arch"
  [ -f "$agent" ] || die "no agent binary at $agent: build it (npm run build) or pass --agent FILE"
  keep_previous_binary
  say "installing camera-agent on $os_name ($arch)${root:+ into $root}"
  # Fetch and verify MediaMTX before changing anything: a bad download leaves no half install.
  local work
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  resolve_mediamtx "$work"
  pre_update_backup
  install_packages

  # Users first: later files are owned by them.
  local before
  before=$(fingerprint)
  place "$repo/systemd/sysusers.d/camera-agent.conf" /usr/lib/sysusers.d/camera-agent.conf 0644
  if ! $dry_run; then
    systemd-sysusers --root="${root:-/}" "$root/usr/lib/sysusers.d/camera-agent.conf"
    [ "$before" = "$(fingerprint)" ] || changed "users: camera, mediamtx"
  elif ! grep -q '^camera:' "$root/etc/passwd"; then
    changed "would create users: camera, mediamtx"
  fi

  place "$agent" "$BIN/camera-agent" 0755
  if [ -n "$mediamtx_file" ]; then
    place "$mediamtx_file" "$BIN/mediamtx" 0755
    place "$work/mediamtx.release" "$SHARE/mediamtx.release" 0644
  elif ! $with_mediamtx; then
    say "MediaMTX: left as it is (--no-mediamtx)"
  fi
  place "$repo/systemd/camera-agent.service" "$UNITS/camera-agent.service" 0644
  place "$repo/systemd/mediamtx.service" "$UNITS/mediamtx.service" 0644
  place "$repo/systemd/camera-agent-backup.service" "$UNITS/camera-agent-backup.service" 0644
  place "$repo/systemd/camera-agent-backup.timer" "$UNITS/camera-agent-backup.timer" 0644
  place "$repo/systemd/tmpfiles.d/camera-agent.conf" /usr/lib/tmpfiles.d/camera-agent.conf 0644
  place "$repo/config/camera-agent.yaml" "$SHARE/camera-agent.yaml" 0644
  place "$repo/config/mediamtx.yml" "$SHARE/mediamtx.yml" 0644

  local dirs_before
  dirs_before=$(stat -c '%n %a %U %G' "${DATA_DIRS[@]/#/$root}" /dev/null 2>/dev/null || true)
  if ! $dry_run; then
    systemd-tmpfiles --root="${root:-/}" --create "$root/usr/lib/tmpfiles.d/camera-agent.conf"
    [ "$dirs_before" = "$(stat -c '%n %a %U %G' "${DATA_DIRS[@]/#/$root}" /dev/null 2>/dev/null || true)" ] ||
      changed "directories: /etc/camera-agent, /var/lib/camera-agent"
  fi
  # The operator's config is never overwritten; the reference copy above always is.
  if [ ! -e "$root/etc/camera-agent/config.yaml" ]; then
    place "$repo/config/camera-agent.yaml" /etc/camera-agent/config.yaml 0640 root:camera
  fi

  local units=(camera-agent.service)
  [ -e "$root$BIN/mediamtx" ] && units+=(mediamtx.service)
  for unit in "${units[@]}" camera-agent-backup.timer; do
    if ! systemctl ${root:+--root="$root"} is-enabled --quiet "$unit" 2>/dev/null; then
      changed "enabled: $unit"
      run systemctl ${root:+--root="$root"} enable --quiet "$unit"
    fi
  done

  if live && ! $dry_run; then
    systemctl daemon-reload
    if $start; then
      # An agent that failed to start before (a release that would not start, which this run
      # puts back) may have used up its start limit, and systemd would refuse this start too.
      systemctl reset-failed "${units[@]}" 2>/dev/null || true
      if [ "${#changes[@]}" -gt 0 ]; then
        systemctl restart "${units[@]}" || start_failed "${units[@]}"
        wait_ready
      else
        systemctl start "${units[@]}" || start_failed "${units[@]}"
      fi
      systemctl start camera-agent-backup.timer
    fi
  fi
}

do_uninstall() {
  say "removing camera-agent${root:+ from $root}"
  for unit in camera-agent-backup.timer camera-agent.service mediamtx.service; do
    [ -e "$root$UNITS/$unit" ] || continue
    if live; then run systemctl disable --now --quiet "$unit" || true
    else run systemctl --root="$root" disable --quiet "$unit" || true
    fi
  done
  for file in "${INSTALLED_FILES[@]}"; do
    [ -e "$root$file" ] || continue
    changed "removed: $file"
    run rm -f "$root$file"
  done
  [ -d "$root$SHARE" ] && run rmdir --ignore-fail-on-non-empty "$root$SHARE"
  if live && ! $dry_run; then systemctl daemon-reload; fi
  if [ "$mode" = purge ]; then
    for dir in "${DATA_DIRS[@]}"; do
      [ -e "$root$dir" ] || continue
      changed "removed data: $dir"
      run rm -rf "$root$dir"
    done
    # mediamtx first: it is a member of the camera group, which blocks removing camera.
    for user in mediamtx camera; do
      grep -q "^$user:" "$root/etc/passwd" 2>/dev/null || continue
      changed "removed user: $user"
      run userdel ${root:+--root "$root"} "$user"
    done
  else
    say "kept: /etc/camera-agent, /var/lib/camera-agent and the camera, mediamtx users (--purge removes them)"
  fi
}

case "$mode" in
  install) do_install ;;
  uninstall|purge) do_uninstall ;;
esac

if [ "${#changes[@]}" -eq 0 ]; then
  say "nothing to change: camera-agent is ${mode/purge/uninstall}ed and up to date"
elif $dry_run; then
  say "dry run: ${#changes[@]} change(s) listed, none made"
else
  say "done: ${#changes[@]} change(s)"
fi
