#!/usr/bin/env bash
# The whole auDeep workflow on the 20 ESC-10 clips bundled in samples/esc-10-subset, in a couple of
# minutes on a laptop CPU: spectrograms, a recurrent autoencoder, learned features, their evaluation.
# Usage: bash samples/quickstart.sh [OUTPUT_DIR]   (default: ./quickstart-output)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
audeep() { node "$here/../bin/run.js" "$@"; }
out=${1:-quickstart-output}
mkdir -p "$out"

echo "== 1/4 spectrograms: 0.08 s windows, 128 mel bands, clipped at -60 dB"
audeep preprocess --basedir "$here/esc-10-subset" --window-width 0.08 --window-overlap 0.04 --mel-spectrum 128 \
  --fixed-length 5 --center-fixed --clip-below -60 --output "$out/spectrograms.nc"

echo "== 2/4 training a t-rae (2 x 256 GRU, bidirectional decoder), as in auDeep's tutorial"
rm -rf "$out/run"
# Only the final model is used, so only its checkpoint is kept (31 MB; without the flag the newest 5 are kept).
audeep t-rae train --input "$out/spectrograms.nc" --run-name "$out/run" --num-epochs 64 --batch-size 20 \
  --learning-rate 0.001 --keep-prob 0.8 --num-layers 2 --num-units 256 --bidirectional-decoder --seed 1 \
  --checkpoints-to-keep 1

echo "== 3/4 generating features"
audeep t-rae generate --model-dir "$out/run" --input "$out/spectrograms.nc" --output "$out/features.nc"

echo "== 4/4 evaluating them with a linear SVM, 5-fold cross-validation"
audeep svm evaluate --input "$out/features.nc" --cross-validate --complexity 0.01 --seed 1

cat <<TXT

Outputs:
  spectrograms:    $out/spectrograms.nc   (audeep inspect netcdf --input $out/spectrograms.nc)
  model:           $out/run/logs/model-64 (the last checkpoint, 31 MB: the weights and Adam's two moments;
                   without --checkpoints-to-keep 1 the newest 5 are kept; TensorBoard: tensorboard --logdir $out/run/logs)
  learned features $out/features.nc       (1024 per clip; audeep export --input $out/features.nc --format CSV --output $out/csv)
About 35 MB in all. With 2 clips per class this only shows the workflow (and preprocess warns that 2 clips
per class cannot fill ESC's 5 folds); the full tutorial on ESC-10 is samples/esc-10.sh.
TXT
