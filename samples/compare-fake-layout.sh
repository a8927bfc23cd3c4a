#!/usr/bin/env bash
# A stand-in for a ComParE 2020 Mask directory, to try samples/compare.sh without challenge data: links to
# 40 ESC-10 clips (dog barks as 'clear', rain as 'mask') named train_/devel_/test_NNNN.ogg in wav/, and
# lab/labels.csv with '?' for the test files, as the challenge distributes it.
# Usage: bash samples/compare-fake-layout.sh DEST [ESC10_DIR]   (default: ../shared/data/ESC-10)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:?usage: compare-fake-layout.sh DEST [ESC10_DIR]}
esc10=$(cd "${2:-$here/../../shared/data/ESC-10}" && pwd)
mkdir -p "$dest/wav" "$dest/lab"
echo "file_name,label" > "$dest/lab/labels.csv"
declare -A count=([train]=0 [devel]=0 [test]=0)
for pair in "001 - Dog bark:clear" "002 - Rain:mask"; do
  dir=${pair%%:*}
  label=${pair##*:}
  i=0
  for clip in $(ls "$esc10/$dir" | sort | head -20); do
    # 10 train, 6 devel, 4 test clips per class
    if ((i < 10)); then partition=train; elif ((i < 16)); then partition=devel; else partition=test; fi
    count[$partition]=$((count[$partition] + 1))
    file=$(printf '%s_%04d.ogg' "$partition" "${count[$partition]}")
    ln -sf "$esc10/$dir/$clip" "$dest/wav/$file"
    if [[ $partition == test ]]; then echo "$file,?"; else echo "$file,$label"; fi >> "$dest/lab/labels.csv"
    i=$((i + 1))
  done
done
echo "wrote $dest (wav/: ${count[train]} train, ${count[devel]} devel, ${count[test]} test files)"
