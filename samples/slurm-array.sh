#!/usr/bin/env bash
#SBATCH --job-name=audeep-preprocess
#SBATCH --array=0-7
#SBATCH --cpus-per-task=8
#SBATCH --mem=8G
#SBATCH --time=02:00:00
#SBATCH --output=audeep-%x-%A_%a.log
#
# Preprocess a large data set on a Slurm cluster: every task of the array computes the spectrograms of
# one contiguous slice of the files (audeep reads its shard from SLURM_ARRAY_TASK_ID and the shard count
# from SLURM_ARRAY_TASK_COUNT), then one job merges the shard files. The merged file holds exactly the
# instances, in the same order and with the same values, that a single-machine run writes.
#
# Usage:
#   bash samples/slurm-array.sh submit DATA_DIR OUT_DIR   submits the array and the dependent merge job
#   sbatch samples/slurm-array.sh DATA_DIR OUT_DIR        only the array (merge yourself afterwards)
# Change the shard count with `--array=0-N` above (or `sbatch --array=0-15 ...`); nothing else depends on it.
# Set AUDEEP to the command that runs audeep if it is not on PATH, e.g. AUDEEP="node $HOME/audeep/bin/run.js".
# The same steps work for t-rae/f-rae/ft-rae generate (their --input is then the merged spectrograms).
set -euo pipefail
AUDEEP=${AUDEEP:-audeep}

if [[ "${1:-}" == submit ]]; then
  data=${2:?usage: slurm-array.sh submit DATA_DIR OUT_DIR}
  out=${3:?usage: slurm-array.sh submit DATA_DIR OUT_DIR}
  mkdir -p "$out/shards"
  array=$(sbatch --parsable --export=ALL,AUDEEP="$AUDEEP" "$0" "$data" "$out")
  # `afterok`: the merge only runs when every shard succeeded (a failed shard can be re-run alone with
  # `sbatch --array=<index> ...`; shards are idempotent).
  q=$(printf %q "$out")
  sbatch --parsable --job-name=audeep-merge --dependency="afterok:$array" --cpus-per-task=1 --mem=4G \
    --output="audeep-merge-%j.log" \
    --wrap "$AUDEEP merge --input $q/shards/spectrograms-*.nc --output $q/spectrograms.nc"
  echo "submitted array job $array and its merge job" >&2
  exit 0
fi

data=${1:?usage: sbatch slurm-array.sh DATA_DIR OUT_DIR}
out=${2:?usage: sbatch slurm-array.sh DATA_DIR OUT_DIR}
# {shard} becomes the zero-padded shard index, so the glob in the merge job lists the shards in order.
$AUDEEP preprocess --basedir "$data" \
  --window-width 0.08 --window-overlap 0.04 --mel-spectrum 128 --fixed-length 5 --center-fixed --clip-below -60 \
  --workers "${SLURM_CPUS_PER_TASK:-1}" \
  --output "$out/shards/spectrograms-{shard}.nc"
