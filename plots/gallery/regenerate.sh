#!/usr/bin/env bash
# Regenerate the README's gallery from the bundled baseline (500 replications, seed 0):
#     bash plots/gallery/regenerate.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
disarm run -n 500 --seed 0 -o "$out/syria_2013" --quiet
cp "$out/syria_2013"/{progress,milestones,deadlines,sites}.png plots/gallery/
rm -rf "$out"
# The baseline's backtest against the 2013-2016 record, shown in docs/backtest.md:
disarm backtest scenarios/syria_2013.yaml --observed scenarios/observed/syria_2013_2016.yaml -n 300 --seed 0 \
    -o plots/gallery/backtest --quiet
echo "gallery regenerated in plots/gallery/"
