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
)

missing=()
for command in "${!package_of[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("${package_of[$command]}")
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
