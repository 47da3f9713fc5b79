#!/usr/bin/env bash
# Installs the Debian packages the tests need, and only those whose commands are missing, so a
# fresh Debian 12 machine runs `npm test` as it is and a prepared one is left untouched.
set -euo pipefail

declare -A package_of=(
  [systemd-analyze]=systemd
  [systemd-sysusers]=systemd
  [systemd-tmpfiles]=systemd
  [/usr/bin/python3]=python3
  [debootstrap]=debootstrap
  [systemd-nspawn]=systemd-container
  [shellcheck]=shellcheck
  [curl]=curl
  [setpriv]=util-linux
  [openssl]=openssl
  [ffmpeg]=ffmpeg
  [ffprobe]=ffmpeg
  # Backup encryption (camera-agent backup --passphrase-file): gpg and the agent it starts.
  [gpg]=gpg
  [gpg-agent]=gpg-agent
  [gpgconf]=gpgconf
  # Update bundles: the whole-bundle check is tested against bundles RAUC makes.
  [rauc]=rauc
  [mksquashfs]=squashfs-tools
  # ONVIF discovery tests: multicast inside a network namespace of their own.
  [ip]=iproute2
  # The dashboard's browser tests drive Debian's chromium (playwright-core downloads nothing).
  [chromium]=chromium
  # The fleet playbooks (provisioning/ansible): run against QEMU guests, and linted.
  [ansible-playbook]=ansible-core
  [ansible-vault]=ansible-core
  [ansible-lint]=ansible-lint
)

# GStreamer's RTSP server (the tests' real RTSP source) for the system python3.
if ! /usr/bin/python3 -c 'import gi; gi.require_version("GstRtspServer", "1.0")' >/dev/null 2>&1; then
  package_of[__gst_rtsp__]="python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly"
fi

missing=()
for command in "${!package_of[@]}"; do
  # shellcheck disable=SC2206 # some entries name several packages
  command -v "$command" >/dev/null 2>&1 || missing+=(${package_of[$command]})
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
mapfile -t packages < <(printf '%s\n' "${missing[@]}" | sort -u)
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${packages[*]} (run as root, or: apt-get install ${packages[*]})" >&2
  exit 1
fi
echo "installing Debian packages: ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}"
