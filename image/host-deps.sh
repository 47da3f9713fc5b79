#!/usr/bin/env bash
# Installs what building and booting the image needs on a Debian 12 host, when missing:
# mkosi 24.3 and systemd 254's tools from bookworm-backports, QEMU (x86-64 and arm64, with
# UEFI firmware), qemu-user-static for the arm64 build, and the file system tools.
set -euo pipefail

need=()
mkosi_version=$(mkosi --version 2>/dev/null | awk '{ print $2 }' || true)
case "$mkosi_version" in 24.*) ;; *) need+=(mkosi) ;; esac
declare -A package_of=(
  [/usr/lib/systemd/ukify]=systemd-boot
  [/usr/lib/systemd/boot/efi/systemd-bootx64.efi]=systemd-boot-efi
  [/usr/bin/qemu-system-x86_64]=qemu-system-x86
  [/usr/bin/qemu-system-aarch64]=qemu-system-arm
  [/usr/bin/qemu-aarch64-static]=qemu-user-static
  [/usr/share/OVMF/OVMF_CODE.fd]=ovmf
  [/usr/sbin/modprobe]=kmod
  [/usr/sbin/mkfs.vfat]=dosfstools
  [/usr/bin/mcopy]=mtools
  [/usr/bin/mkfs.erofs]=erofs-utils
  [/usr/sbin/sgdisk]=gdisk
  [/usr/bin/zstd]=zstd
  [/usr/bin/bwrap]=bubblewrap
  [/usr/bin/ssh]=openssh-client
  [/usr/bin/ssh-keygen]=openssh-client
)
for path in "${!package_of[@]}"; do
  [ -e "$path" ] || need+=("${package_of[$path]}")
done
/usr/bin/python3 -c 'import pefile' 2>/dev/null || need+=(python3-pefile)
if [ "$(systemctl --version | awk 'NR == 1 { print $2 }')" -lt 254 ]; then need+=(systemd systemd-container); fi

if [ "${#need[@]}" -gt 0 ]; then
  mapfile -t packages < <(printf '%s\n' "${need[@]}" | sort -u)
  [ "$(id -u)" -eq 0 ] || { echo "image host packages missing: ${packages[*]} (run as root)" >&2; exit 1; }
  backports=/etc/apt/sources.list.d/bookworm-backports.sources
  if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' 'Suites: bookworm-backports' \
      'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' > "$backports"
  fi
  echo "installing image host packages: ${packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends -t bookworm-backports "${packages[@]}"
fi

# Running arm64 programs during the arm64 build needs qemu-user registered with binfmt_misc,
# which a container may not have mounted.
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] && [ "$(uname -m)" != aarch64 ]; then
  mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  /usr/lib/systemd/systemd-binfmt /usr/lib/binfmt.d/qemu-aarch64.conf
fi
echo "image host packages: all present (mkosi $(mkosi --version | awk '{ print $2 }'))"
