#!/usr/bin/env bash
# The LMM-R1 ablation at lmm-gym scale (docs/results.md): FRE-then-MGT vs MGT only
# (Direct-RL), same MGT budget, several seeds, from the primed base model of
# configs/full-pipeline.json (run that first, or at least its prime stage).
# Usage: scripts/ablation.sh [SEEDS...]   (default seeds: 1 2 3); then the summary:
#   npx tsx scripts/ablation-report.ts
set -euo pipefail
cd "$(dirname "$0")/.."
export LMM_GYM_NATIVE_THREADS="${LMM_GYM_NATIVE_THREADS:-1}"
if [ $# -gt 0 ]; then seeds=("$@"); else seeds=(1 2 3); fi
for s in "${seeds[@]}"; do
  for cfg in configs/ablation/fre-then-mgt.json configs/direct-rl.json; do
    name=$(basename "$cfg" .json)
    out="runs/ablation/${name}-seed${s}"
    if [ -f "$out/final/model.json" ]; then echo "skip $out (done)"; continue; fi
    resume=(); [ -d "$out" ] && resume=(--resume)
    node dist/cli/main.js train --config "$cfg" --seed "$s" --out "$out" --no-plots "${resume[@]}"
  done
done
