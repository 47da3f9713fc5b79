#!/usr/bin/env bash
# Downloads the pinned MediaMTX release tarball for one architecture and keeps it only if its
# sha256 is the pinned one (provisioning/mediamtx-release.conf). A verified copy already at
# --output is reused without downloading. Used by install.sh and image/build.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: fetch-mediamtx.sh --arch amd64|arm64 --output FILE [--mirror URL] [--pin FILE]

  --arch ARCH      which release asset: amd64 or arm64
  --output FILE    where the verified tarball goes (replaced atomically)
  --mirror URL     fetch <URL>/<version>/<asset> instead of MediaMTX's official releases
  --pin FILE       another pin file (default: mediamtx-release.conf beside this script)
  --print-asset    print "<version> <asset> <sha256>" for --arch and exit, downloading nothing
USAGE
}
die() { echo "fetch-mediamtx.sh: $*" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
pin=$here/mediamtx-release.conf
arch=""
output=""
mirror=""
print_asset=false
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch=${2:?--arch needs amd64 or arm64}; shift 2 ;;
    --output) output=${2:?--output needs a FILE}; shift 2 ;;
    --mirror) mirror=${2:?--mirror needs a URL}; shift 2 ;;
    --pin) pin=${2:?--pin needs a FILE}; shift 2 ;;
    --print-asset) print_asset=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
case "$arch" in
  amd64|arm64) ;;
  *) die "--arch must be amd64 or arm64, not '${arch}'" ;;
esac
[ -r "$pin" ] || die "cannot read the pin file $pin"

# Read as data, never sourced: a pin file is configuration, not code.
pin_value() {
  local value
  value=$(sed -n "s/^$1=\([^[:space:]]*\)[[:space:]]*$/\1/p" "$pin" | tail -n 1)
  [ -n "$value" ] || die "$pin: no $1="
  echo "$value"
}
version=$(pin_value MEDIAMTX_VERSION)
[[ $version =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "$pin: MEDIAMTX_VERSION=$version is not a release version (vX.Y.Z)"
key=MEDIAMTX_SHA256_${arch^^}
expected=$(pin_value "$key")
[[ $expected =~ ^[0-9a-f]{64}$ ]] || die "$pin: $key is not a sha256 (64 lower-case hex digits)"
asset="mediamtx_${version}_linux_${arch}.tar.gz"
if $print_asset; then
  echo "$version $asset $expected"
  exit 0
fi
[ -n "$output" ] || die "--output FILE is required"

if [ -f "$output" ] && [ "$(sha256sum < "$output" | cut -d' ' -f1)" = "$expected" ]; then
  echo "MediaMTX $version ($arch): verified copy at $output"
  exit 0
fi
url="${mirror:-$(pin_value MEDIAMTX_RELEASES)}"
url="${url%/}/$version/$asset"
mkdir -p "$(dirname "$output")"
temp=$(mktemp "$(dirname "$output")/.mediamtx-download.XXXXXX")
trap 'rm -f "$temp"' EXIT
curl -fsSL --retry 2 --connect-timeout 20 --max-time 600 -o "$temp" "$url" ||
  die "cannot download MediaMTX $version from $url"
actual=$(sha256sum < "$temp" | cut -d' ' -f1)
[ "$actual" = "$expected" ] ||
  die "checksum mismatch for $url: expected $expected (pinned in $pin), received $actual; refusing it"
mv -f "$temp" "$output"
echo "MediaMTX $version ($arch): downloaded from $url, sha256 verified"
