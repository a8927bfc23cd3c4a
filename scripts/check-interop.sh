#!/usr/bin/env bash
# `npm run check:interop`: checks that files written by audeep open in the tools researchers use next to it:
# netCDF-C's ncdump, python xarray (compared structurally with the original auDeep's files) and Weka (ARFF).
# Installs what it needs from Debian (needs root or sudo); not part of `npm test` because of that.
set -euo pipefail
cd "$(dirname "$0")/.."

ref=../shared/reference/audeep
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

need=()
command -v ncdump >/dev/null || need+=(netcdf-bin)
/usr/bin/python3 -c 'import xarray, netCDF4' 2>/dev/null || need+=(python3-xarray python3-netcdf4)
[[ -f /usr/share/java/weka.jar ]] || need+=(weka)
if ((${#need[@]})); then
  echo "installing ${need[*]} from Debian"
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

audeep() { node bin/run.js "$@"; }

echo "== writing data sets with audeep"
audeep fuse --input "$ref/esc10-sample.nc" "$ref/esc10-sample-db.nc" --dimension freq --output "$out/fused-freq.nc"
audeep fuse chunks --input "$ref/esc10-sample-chunked.nc" --dimension time --output "$out/chunked-fused.nc"
audeep upsample --input "$ref/ops/partitioned.nc" --partitions train --output "$out/upsampled.nc"
audeep modify --input "$ref/ops/nometa.nc" --add-cv-setup 0 --seed 1 --output "$out/nometa.nc"
audeep modify --input "$ref/ops/partial-labels.nc" --remove-partitioning --output "$out/partial-labels.nc"

echo "== ncdump reads them"
for f in "$out"/*.nc; do ncdump -h "$f" >/dev/null && echo "ok  ncdump $(basename "$f")"; done

echo "== python xarray sees the same structure as the original's files"
/usr/bin/python3 - "$ref" "$out" <<'PY'
import sys, xarray as xr
ref, out = sys.argv[1], sys.argv[2]
pairs = {'fused-freq.nc': 'ops/fused-freq.nc', 'chunked-fused.nc': 'ops/chunked-fused.nc',
         'upsampled.nc': 'ops/upsampled.nc', 'nometa.nc': 'ops/nometa.nc', 'partial-labels.nc': 'ops/partial-labels.nc'}
failed = False
for mine, theirs in pairs.items():
    a = xr.open_dataset(f'{out}/{mine}'); b = xr.open_dataset(f'{ref}/{theirs}')
    checks = {
        'dims': dict(a.sizes) == dict(b.sizes) or mine == 'nometa.nc',
        'variables': list(a.data_vars) == list(b.data_vars),
        'dtypes': all(a[v].dtype == b[v].dtype and a[v].dims == b[v].dims for v in b.data_vars),
        'attributes': a.attrs == b.attrs,
    }
    if mine in ('fused-freq.nc', 'chunked-fused.nc', 'upsampled.nc', 'partial-labels.nc'):
        checks['identical'] = a.identical(b)
    bad = [k for k, v in checks.items() if not v]
    print(('FAIL' if bad else 'ok  ') + f' xarray {mine} vs {theirs}' + (f': {bad}' if bad else ''))
    failed |= bool(bad)
sys.exit(1 if failed else 0)
PY

if node bin/run.js export --help >/dev/null 2>&1; then
  echo "== Weka loads exported ARFF"
  audeep export --input "$ref/esc10-sample.nc" --format ARFF --labels-last --output "$out/arff"
  for f in "$out"/arff/fold_*/*.arff; do
    summary=$(java -cp /usr/share/java/weka.jar weka.core.Instances "$f" 2>"$out/weka.err")
    if grep -q Exception "$out/weka.err" || ! grep -q "Num Instances:.*4" <<<"$summary"; then
      echo "FAIL weka $f"; cat "$out/weka.err"; exit 1
    fi
    echo "ok  weka $(basename "$(dirname "$f")")/$(basename "$f"): $(grep 'Num Instances' <<<"$summary" | tr -s ' ')"
  done
fi
echo "interop checks passed"
