#!/usr/bin/env bash
# Regenerate the README's gallery from the bundled baseline (500 replications, seed 0):
#     bash plots/gallery/regenerate.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
disarm run -n 500 --seed 0 -o "$out/syria_2013" --quiet
cp "$out/syria_2013"/{progress,milestones,deadlines,sites,network,critical_paths}.png plots/gallery/
# The other shipped cases: Libya 2016 (a state already party) and the hypothetical State X (docs/new-case.md):
disarm run scenarios/libya_2016.yaml -n 500 --seed 0 -o "$out/libya_2016" --quiet
cp "$out/libya_2016/network.png" plots/gallery/libya_2016_network.png
cp "$out/libya_2016/milestones.png" plots/gallery/libya_2016_milestones.png
disarm run scenarios/examples/state_x.yaml -n 500 --seed 0 -o "$out/state_x" --quiet
cp "$out/state_x/network.png" plots/gallery/state_x_network.png
cp "$out/state_x/progress.png" plots/gallery/state_x_progress.png
# Can we account for it? The record of the declaration to 2024 (docs/verification.md):
disarm run scenarios/declaration_gaps.yaml -n 500 --seed 0 -o "$out/declaration_gaps" --quiet
for chart in issues detection two_books; do
    cp "$out/declaration_gaps/$chart.png" "plots/gallery/declaration_gaps_$chart.png"
done
# Afterwards (docs/afterwards.md): the median run's story, and the backtests against the record to 2024:
mkdir -p plots/gallery/afterwards
cp "$out/syria_2013/timeline.png" plots/gallery/afterwards/timeline.png
disarm backtest scenarios/syria_2013.yaml --observed scenarios/observed/syria_2013_2024.yaml -n 500 --seed 0 \
    -o "$out/afterwards" --quiet
for chart in backtest_attributed_uses backtest_open_issues reliability; do
    cp "$out/afterwards/$chart.png" "plots/gallery/afterwards/$chart.png"
done
disarm backtest scenarios/syria_2013_ex_ante.yaml --observed scenarios/observed/syria_2013_2024.yaml -n 500 \
    --seed 0 -o "$out/afterwards_ex_ante" --quiet
cp "$out/afterwards_ex_ante/reliability.png" plots/gallery/afterwards/ex_ante_reliability.png
rm -rf "$out"
# The baseline's backtest against the 2013-2016 record, shown in docs/backtest.md:
disarm backtest scenarios/syria_2013.yaml --observed scenarios/observed/syria_2013_2016.yaml -n 300 --seed 0 \
    -o plots/gallery/backtest --quiet
# ... and the ex-ante forecast's (what an analyst could have forecast in September 2013):
disarm backtest scenarios/syria_2013_ex_ante.yaml --observed scenarios/observed/syria_2013_2016.yaml -n 300 \
    --seed 0 -o plots/gallery/backtest_ex_ante --quiet
# The calibration behind the baseline's FITTED values (docs/backtest.md), about a minute on 2 cores:
disarm calibrate scenarios/syria_2013.yaml --observed scenarios/observed/syria_2013_2016.yaml \
    -p "compliance.convoy_release_delay_days.mode=10:45" -p "compliance.convoy_release_delay_days.high=45:120" \
    -p "pressure.escalation.step=0.05:0.6" \
    -p "security.scheduled[2].start_day=100:225" -p "security.scheduled[2].end_day=255:900" \
    -p "ships[0].max_wait_days,ships[1].max_wait_days=0:10" -p "convoys.tonnes_per_convoy=15:80" \
    --samples 384 -n 40 --seed 0 -o plots/gallery/calibration --quiet
rm -f plots/gallery/calibration/points.parquet  # every evaluated point: regenerated, not kept in git
echo "gallery regenerated in plots/gallery/"
