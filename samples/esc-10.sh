#!/usr/bin/env bash
# auDeep's ESC-10 tutorial (the original's samples/esc-10.sh) with audeep: four spectrogram settings
# (clipped at -30, -45, -60 and -75 dB), one t-rae per setting, MLP evaluation of each and of the fused
# 4096-dimensional features. Results are appended to OUTPUT_DIR/results.csv as ACCURACY,UAR.
# Usage: bash samples/esc-10.sh [ESC10_DIR] [OUTPUT_DIR]   (defaults: ../shared/data/ESC-10, ./esc-10-output)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
audeep() { node "$here/../bin/run.js" "$@"; }
data=${1:-$here/../../shared/data/ESC-10}
out=${2:-esc-10-output}
mkdir -p "$out"
echo "ACCURACY,UAR" > "$out/results.csv"
runs=()
for clip in 30 45 60 75; do
  spectrograms="$out/spectrograms/esc-10-0.08-0.04-128-$clip.nc"
  run="$out/runs/clip-$clip"
  audeep preprocess --basedir "$data" --window-width 0.08 --window-overlap 0.04 --mel-spectrum 128 \
    --fixed-length 5 --center-fixed --clip-below "-$clip" --output "$spectrograms"
  rm -rf "$run"
  # Only the final model is used, so only its checkpoint is kept (31 MB; the default keeps the newest 5).
  audeep t-rae train --input "$spectrograms" --run-name "$run" --num-epochs 64 --batch-size 64 \
    --learning-rate 0.001 --keep-prob 0.8 --cell GRU --num-layers 2 --num-units 256 --bidirectional-decoder --seed 1 \
    --checkpoints-to-keep 1
  audeep t-rae generate --model-dir "$run" --input "$spectrograms" --output "$run/representations.nc"
  audeep mlp evaluate --quiet --input "$run/representations.nc" --cross-validate --shuffle --num-epochs 400 \
    --learning-rate 0.001 --keep-prob 0.6 --num-layers 2 --num-units 150 --repeat 5 --seed 1 | tee -a "$out/results.csv"
  runs+=("$run/representations.nc")
done
audeep fuse --input "${runs[@]}" --output "$out/fused/representations.nc"
audeep mlp evaluate --quiet --input "$out/fused/representations.nc" --cross-validate --shuffle --num-epochs 400 \
  --learning-rate 0.001 --keep-prob 0.6 --num-layers 2 --num-units 150 --repeat 5 --seed 1 | tee -a "$out/results.csv"
