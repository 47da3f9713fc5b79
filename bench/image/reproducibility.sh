#!/usr/bin/env bash
# Builds the x86-64 image twice, each from an empty package cache, and compares the bytes of
# the whole disk and of each partition; where a partition differs, it lists the files inside
# that differ (contents or metadata). Exit 0 only when every byte is the same.
# Usage: bench/image/reproducibility.sh [WORKDIR]   (needs root, ~10 GB free; prints a table)
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-/var/tmp/camera-appliance-repro}
rm -rf "$work"
mkdir -p "$work"
key="$work/id_ed25519"
ssh-keygen -q -t ed25519 -N "" -f "$key"

"$repo/image/host-deps.sh" --check || { echo "reproducibility: FAILED before building: host tools missing" >&2; exit 1; }
for build in 1 2; do
  started=$(date +%s)
  if ! "$repo/image/build" x86-64 --output "$work/out-$build" --package-cache "$work/cache-$build" \
    --authorized-keys "$key.pub" --without-mediamtx > "$work/build-$build.log" 2>&1; then
    tail -n 30 "$work/build-$build.log" >&2
    echo "reproducibility: FAILED: build $build did not finish (full log: $work/build-$build.log)" >&2
    exit 1
  fi
  echo "build $build: $(( $(date +%s) - started )) s"
done

image() { echo "$work/out-$1/camera-appliance.raw"; }
# Partition N of build B as its own file.
extract() {
  local build=$1 number=$2 start size
  read -r start size < <(sfdisk --json "$(image "$build")" | python3 -c '
import json, sys
p = json.load(sys.stdin)["partitiontable"]["partitions"][int(sys.argv[1]) - 1]
print(p["start"], p["size"])' "$number")
  dd if="$(image "$build")" of="$work/p$number-$build" bs=512 skip="$start" count="$size" status=none
}

echo
echo "| part | build 1 sha256 | build 2 sha256 | same |"
echo "|---|---|---|---|"
whole1=$(sha256sum "$(image 1)" | cut -c1-16)
whole2=$(sha256sum "$(image 2)" | cut -c1-16)
echo "| whole disk | $whole1 | $whole2 | $([ "$whole1" = "$whole2" ] && echo yes || echo NO) |"
labels=(ESP root-a root-b data)
differing=()
for number in 1 2 3 4; do
  extract 1 "$number"
  extract 2 "$number"
  a=$(sha256sum "$work/p$number-1" | cut -c1-16)
  b=$(sha256sum "$work/p$number-2" | cut -c1-16)
  same=yes
  [ "$a" = "$b" ] || { same=NO; differing+=("$number"); }
  echo "| ${labels[$((number - 1))]} | $a | $b | $same |"
done
if cmp -s "$work/out-1/camera-appliance.manifest" "$work/out-2/camera-appliance.manifest"; then
  echo "| package manifest | | | yes |"
else
  echo "| package manifest | | | NO |"
fi

# Inside the partitions that differ: which files.
for number in "${differing[@]}"; do
  echo
  echo "files differing in ${labels[$((number - 1))]}:"
  for build in 1 2; do
    tree="$work/tree$number-$build"
    mkdir -p "$tree"
    case "$number" in
      1) mcopy -s -m -i "$work/p$number-$build" ::/ "$tree/" ;;
      2) fsck.erofs --extract="$tree" "$work/p$number-$build" >/dev/null ;;
      4) debugfs -R "rdump / $tree" "$work/p$number-$build" >/dev/null 2>&1 ;;
    esac
  done
  diff -rq --no-dereference "$work/tree$number-1" "$work/tree$number-2" | sed "s|$work/||g" | head -40 || true
  # Same file contents can still hide different metadata: for ext4, the superblock's fields.
  if [ "$number" = 4 ]; then
    diff <(dumpe2fs -h "$work/p4-1" 2>/dev/null) <(dumpe2fs -h "$work/p4-2" 2>/dev/null) | head -20 || true
  fi
done
echo
if [ "$whole1" = "$whole2" ] && [ "${#differing[@]}" -eq 0 ]; then
  echo "reproducible: yes, the two disk images are byte-identical"
else
  echo "reproducible: NO: the disk images differ${differing[*]:+ (partitions: ${differing[*]})}" >&2
  exit 1
fi
