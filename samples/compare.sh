#!/usr/bin/env bash
# A ComParE challenge workflow as auDeep's compare18/, compare19/ and compare20/ scripts run it, plus the
# evaluation those scripts leave out: for each clipping level (default -30 -45 -60 -75 dB) spectrograms ->
# t-rae (2 x 256 GRU, bidirectional decoder) -> features -> linear SVM trained on train, scored on devel ->
# CSV and ARFF per partition (--labels-last, as the challenge baselines expect); then the same for the
# fusion of all levels. Accuracy and UAR per level go to OUTPUT_DIR/results.csv.
#
# Usage: bash samples/compare.sh DATA_DIR PARSER [OUTPUT_DIR]
#   DATA_DIR  the task directory with wav/ and lab/ (as distributed by the challenge)
#   PARSER    compare18-atypical-affect, compare18-crying, compare18-heartbeat, compare18-sas, compare19-bs,
#             compare19-cs, compare19-oa, compare19-sd, compare20-elderly, compare20-mask or compare21
#   OUTPUT_DIR  default ./<PARSER>-output
# Settings (environment variables, defaults are auDeep's compare20-mask script): FIXED_LENGTH=1 (seconds;
# the 2018 scripts use 5), CLIP_BELOW="-30 -45 -60 -75", EPOCHS=16, BATCH_SIZE=1024, COMPLEXITY=0.001 (SVM),
# NAME=<PARSER>.audeep (the exported files' base name), SEED=1.
# To try it without challenge data: bash samples/compare-fake-layout.sh fake-mask, then
#   EPOCHS=2 CLIP_BELOW="-60" bash samples/compare.sh fake-mask compare20-mask
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
audeep() { node "$here/../bin/run.js" "$@"; }

if [[ $# -lt 2 ]]; then
  sed -n '8,17p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
data=$1
parser=$2
out=${3:-$parser-output}
fixed_length=${FIXED_LENGTH:-1}
clip_below=${CLIP_BELOW:--30 -45 -60 -75}
epochs=${EPOCHS:-16}
batch_size=${BATCH_SIZE:-1024}
complexity=${COMPLEXITY:-0.001}
name=${NAME:-$parser.audeep}
seed=${SEED:-1}

mkdir -p "$out"
echo "SETTING,ACCURACY,UAR" > "$out/results.csv"

# auDeep's Crying parser puts the devel files into the test partition, so that task has no devel scores.
evaluate() { # setting, features
  if [[ $parser == compare18-crying ]]; then
    echo "(no devel partition for $parser: skipping the SVM)"
    return
  fi
  local scores
  scores=$(audeep svm evaluate --quiet --input "$2" --train-partitions train --eval-partitions devel \
    --complexity "$complexity" --seed "$seed")
  echo "$1,$scores" | tee -a "$out/results.csv"
}

export_features() { # features, name
  audeep export --input "$1" --format CSV --labels-last --output "$out/csv" --name "$2"
  audeep export --input "$1" --format ARFF --labels-last --output "$out/arff" --name "$2"
}

runs=()
for clip in $clip_below; do
  setting="0.08-0.04-128$clip"
  spectrograms="$out/spectrograms/$parser-$setting.nc"
  run="$out/runs/$parser-$setting/t-2x256-x-b"
  echo "== $setting: spectrograms"
  audeep preprocess --parser "$parser" --basedir "$data" --output "$spectrograms" --window-width 0.08 \
    --window-overlap 0.04 --fixed-length "$fixed_length" --center-fixed --clip-below "$clip" --mel-spectrum 128
  echo "== $setting: t-rae training"
  rm -rf "$run"
  audeep t-rae train --input "$spectrograms" --run-name "$run" --num-epochs "$epochs" --batch-size "$batch_size" \
    --learning-rate 0.001 --keep-prob 0.8 --cell GRU --num-layers 2 --num-units 256 --bidirectional-decoder \
    --seed "$seed"
  echo "== $setting: features, evaluation, export"
  audeep t-rae generate --model-dir "$run/logs" --input "$spectrograms" --output "$run/representations.nc"
  evaluate "$setting" "$run/representations.nc"
  export_features "$run/representations.nc" "$name$clip"
  runs+=("$run/representations.nc")
done

if [[ ${#runs[@]} -gt 1 ]]; then
  echo "== fused"
  fused="$out/runs/$parser-fused/representations.nc"
  audeep fuse --input "${runs[@]}" --output "$fused"
  evaluate fused "$fused"
  export_features "$fused" "$name-fused"
fi

echo
echo "scores: $out/results.csv; features: $out/csv/{train,devel,test}/ and $out/arff/{train,devel,test}/"
