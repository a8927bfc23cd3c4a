#!/usr/bin/env bash
# Feature quality of the t-rae on ESC-10 (docs/benchmarks.md, "Feature quality"): trains, generates,
# evaluates with the original README's MLP command and a linear SVM, then deletes the model directory.
#
#   bash bench/feature-quality.sh tutorial SEED OUT_DIR [extra t-rae train flags...]
#   bash bench/feature-quality.sh recipe   SEED OUT_DIR [extra t-rae train flags...]
#   bash bench/feature-quality.sh f-rae|ft-rae SEED OUT_DIR [extra f-rae|ft-rae train flags...]
#   bash bench/feature-quality.sh evaluate-tutorial|evaluate-recipe|evaluate-f-rae|evaluate-ft-rae SEED OUT_DIR [the same flags...]
#
# With TRAIN_ONLY=1 the features are trained and kept but not evaluated; the evaluate-* modes evaluate
# features that an earlier run kept (so long trainings can run first and the evaluations later). With
# RESUME=1 a level whose features file already exists is not trained again (an interrupted recipe goes on).
# tutorial: one t-rae on auDeep's own spectrograms (SHARED/reference/audeep/esc10-full-0.08-0.04-128-60.nc).
# recipe:   samples/esc-10.sh's four clipping levels (-30/-45/-60/-75 dB, --center-fixed), one t-rae each,
#           fused to 4096-d, evaluated with samples/esc-10.sh's MLP command and the SVM.
# f-rae, ft-rae: one frequency (or frequency-time) autoencoder with auDeep's architecture defaults on the
#           tutorial's spectrograms, trained on the tutorial's schedule (64 epochs, batch 64, learning rate
#           0.001, keep probability 0.8), evaluated like the tutorial. f-rae's features ([time, 16] per clip)
#           are flattened row-major by export and import, as auDeep's evaluation requires.
# One line per evaluation is appended to OUT_DIR/results.csv: mode,seed,flags,what,classifier,accuracy,uar.
# Environment: AUDEEP (default: this checkout's bin/run.js), SHARED (default: ../shared next to the checkout).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
AUDEEP=${AUDEEP:-$here/bin/run.js}
SHARED=${SHARED:-$here/../shared}
mode=$1 seed=$2 out=$3
shift 3
evaluate=1
case $mode in
  evaluate-*) mode=${mode#evaluate-} train_models=0 ;;
  *) train_models=1; [ "${TRAIN_ONLY:-0}" = 1 ] && evaluate=0 ;;
esac
extra=("$@")
audeep() { node "$AUDEEP" "$@"; }
mkdir -p "$out"
[ -f "$out/results.csv" ] || echo "mode,seed,flags,what,classifier,accuracy,uar" > "$out/results.csv"
tag="${extra[*]:-default}"
record() { [ "$evaluate" = 1 ] && echo "$mode,$seed,$tag,$1,$2,$3" >> "$out/results.csv"; return 0; }

train() { # spectrograms run [kind]
  [ "$train_models" = 1 ] || return 0
  if [ "${RESUME:-0}" = 1 ] && [ -f "$2.features.nc" ]; then echo "kept $2.features.nc"; return 0; fi
  rm -rf "$2"
  local start=$SECONDS kind=${3:-t-rae} model=()
  [ "$kind" = t-rae ] && model=(--num-layers 2 --num-units 256 --bidirectional-decoder)
  audeep "$kind" train --input "$1" --run-name "$2" --num-epochs 64 --batch-size 64 \
    --learning-rate 0.001 --keep-prob 0.8 "${model[@]}" --seed "$seed" --checkpoints-to-keep 1 "${extra[@]}"
  echo "trained $2 in $((SECONDS - start)) s"
  audeep "$kind" generate --model-dir "$2/logs" --input "$1" --output "$2.features.nc"
  if [ "$kind" = f-rae ]; then # [time, features] per clip: flatten
    audeep export --input "$2.features.nc" --format CSV --output "$2.csv" --name features
    audeep import --basedir "$2.csv" --name features --output "$2.features.nc"
    rm -rf "$2.csv"
  fi
  rm -rf "$2"
}
mlp_readme() { [ "$evaluate" = 1 ] || return 0; audeep mlp evaluate -q --input "$1" --cross-validate --shuffle --num-epochs 400 --learning-rate 0.001 \
  --keep-prob 0.4 --num-layers 2 --num-units 150 --relu-logits --repeat 5 --seed 1; }
mlp_recipe() { [ "$evaluate" = 1 ] || return 0; audeep mlp evaluate -q --input "$1" --cross-validate --shuffle --num-epochs 400 --learning-rate 0.001 \
  --keep-prob 0.6 --num-layers 2 --num-units 150 --repeat 5 --seed 1; }
svm() { [ "$evaluate" = 1 ] || return 0; audeep svm evaluate -q --input "$1" --cross-validate --complexity 0.01; }

run="$out/run-$mode-$seed-$(echo "$tag" | tr -c 'A-Za-z0-9\n' '_')"
if [ "$mode" = tutorial ] || [ "$mode" = f-rae ] || [ "$mode" = ft-rae ]; then
  kind=t-rae
  [ "$mode" = tutorial ] || kind=$mode
  train "$SHARED/reference/audeep/esc10-full-0.08-0.04-128-60.nc" "$run" "$kind"
  record "$mode" mlp-readme "$(mlp_readme "$run.features.nc")"
  record "$mode" svm-0.01 "$(svm "$run.features.nc")"
else
  features=()
  for clip in 30 45 60 75; do
    spectrograms="$out/spectrograms/esc-10-0.08-0.04-128-$clip.nc"
    if [ "$train_models" = 1 ] && [ ! -f "$spectrograms" ]; then
      mkdir -p "$out/spectrograms"
      audeep preprocess --basedir "$SHARED/data/ESC-10" --window-width 0.08 --window-overlap 0.04 --mel-spectrum 128 \
        --fixed-length 5 --center-fixed --clip-below "-$clip" --output "$spectrograms"
    fi
    train "$spectrograms" "$run-$clip"
    record "clip-$clip" mlp-recipe "$(mlp_recipe "$run-$clip.features.nc")"
    features+=("$run-$clip.features.nc")
  done
  [ "$train_models" = 1 ] && audeep fuse --input "${features[@]}" --output "$run.fused.nc"
  record fused mlp-recipe "$(mlp_recipe "$run.fused.nc")"
  record fused svm-0.01 "$(svm "$run.fused.nc")"
fi
