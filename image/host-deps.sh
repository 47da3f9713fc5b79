#!/usr/bin/env bash
# The host tools that building, booting and comparing the image need, each with the Debian
# package that brings it: mkosi 24.3 and systemd 254's tools from bookworm-backports, the tools
# mkosi runs on the host inside its sandbox (which sees only the host's /usr), QEMU for the boot
# tests, and what the tests and bench/image read images with.
#
#   image/host-deps.sh           install what is missing, then check every tool is there
#   image/host-deps.sh --check   only check; exit 1 naming every missing tool and its package
#
# image/build runs the check first, so a missing tool fails the build at once instead of
# minutes into it.
set -euo pipefail

# command or file → package. mkosi's own needs were read from its source (check_tools, run()):
# it only reports some of them when it reaches the step that calls them.
tools=(
  # mkosi and what it runs on the host
  mkosi:mkosi
  bwrap:bubblewrap
  systemd-repart:systemd
  systemd-dissect:systemd-container
  systemd-nspawn:systemd-container
  bootctl:systemd-boot
  /usr/lib/systemd/ukify:systemd
  /usr/lib/systemd/boot/efi/systemd-bootx64.efi:systemd-boot-efi
  depmod:kmod
  modinfo:kmod
  cpio:cpio
  zstd:zstd
  mkfs.erofs:erofs-utils
  fsck.erofs:erofs-utils
  mkfs.ext4:e2fsprogs
  debugfs:e2fsprogs
  dumpe2fs:e2fsprogs
  e2fsck:e2fsprogs
  mkfs.vfat:dosfstools
  mcopy:mtools
  mdir:mtools
  sfdisk:fdisk
  partx:util-linux
  sgdisk:gdisk
  dpkg-deb:dpkg
  apt-get:apt
  gpgv:gpgv
  /usr/share/keyrings/debian-archive-keyring.gpg:debian-archive-keyring
  # the arm64 build runs arm64 programs (dpkg's maintainer scripts) through qemu-user
  qemu-aarch64-static:qemu-user-static
  # update bundles (image/bundle)
  rauc:rauc
  mksquashfs:squashfs-tools
  dump.erofs:erofs-utils
  openssl:openssl
  # the boot tests
  qemu-img:qemu-utils
  qemu-system-x86_64:qemu-system-x86
  qemu-system-aarch64:qemu-system-arm
  /usr/share/OVMF/OVMF_CODE_4M.fd:ovmf
  /usr/share/OVMF/OVMF_VARS_4M.fd:ovmf
  ssh:openssh-client
  ssh-keygen:openssh-client
)

# Prints "command (package)" for every tool that is missing.
missing_tools() {
  local entry tool
  for entry in "${tools[@]}"; do
    tool=${entry%:*}
    if [[ $tool == /* ]]; then [ -e "$tool" ] && continue
    else command -v "$tool" >/dev/null 2>&1 && continue
    fi
    echo "$tool (${entry##*:})"
  done
  /usr/bin/python3 -c 'import pefile' 2>/dev/null || echo "python3 module pefile (python3-pefile)"
  case "$(mkosi --version 2>/dev/null | awk '{ print $2 }')" in
    24.*) ;;
    "") ;;  # reported above as missing
    *) echo "mkosi 24.x, found $(mkosi --version) (mkosi from bookworm-backports)" ;;
  esac
  if [ "$(systemctl --version 2>/dev/null | awk 'NR == 1 { print $2 }')" -lt 254 ] 2>/dev/null; then
    echo "systemd >= 254 tools (systemd, systemd-container from bookworm-backports)"
  fi
}

report_missing() {
  echo "image host tools missing:" >&2
  printf '  %s\n' "$@" >&2
  echo "install them with: image/host-deps.sh (as root)" >&2
}

mapfile -t missing < <(missing_tools)
if [ "${1:-}" = --check ]; then
  [ "${#missing[@]}" -eq 0 ] || { report_missing "${missing[@]}"; exit 1; }
  exit 0
fi

if [ "${#missing[@]}" -gt 0 ]; then
  # The packages of the missing tools, once each.
  mapfile -t packages < <(printf '%s\n' "${missing[@]}" | sed -E 's/.*\(([^)]*)\)$/\1/; s/ from bookworm-backports//; s/, / /g' | tr ' ' '\n' | sort -u)
  [ "$(id -u)" -eq 0 ] || { report_missing "${missing[@]}"; exit 1; }
  backports=/etc/apt/sources.list.d/bookworm-backports.sources
  if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' 'Suites: bookworm-backports' \
      'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' > "$backports"
  fi
  echo "installing image host packages: ${packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends -t bookworm-backports "${packages[@]}"
  # Whatever the install did, every tool must be there now, or the stage fails here by name.
  mapfile -t missing < <(missing_tools)
  [ "${#missing[@]}" -eq 0 ] || { report_missing "${missing[@]}"; exit 1; }
fi

# Running arm64 programs during the arm64 build needs qemu-user registered with binfmt_misc,
# which a container may not have mounted.
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] && [ "$(uname -m)" != aarch64 ]; then
  mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  /usr/lib/systemd/systemd-binfmt /usr/lib/binfmt.d/qemu-aarch64.conf
fi
echo "image host tools: all ${#tools[@]} present (mkosi $(mkosi --version | awk '{ print $2 }'), systemd $(systemctl --version | awk 'NR == 1 { print $2 }'))"
