#!/usr/bin/env bash
# Issue 12, seventh session: the confidence-penalty arms. From the 6x6 start model
# (runs/recipe/sft1-s3000, made by scripts/sokoban-recipe.sh stage 1), 600 more SFT steps
# with entropyBonus B = 0.1, 0 (control), 0.15; then each arm's test eval (250 levels,
# images, step mode, T 0.5, paired with the start's eval) and the one-update probe.
#   bash scripts/confidence-arms.sh [START] [OUT]      (defaults runs/recipe/sft1-s3000, runs/conf; ~35 min)
# OUT/b015-s600 is the start of configs/sokoban-rl-small-steps.json. Finished steps are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
START=${1:-runs/recipe/sft1-s3000}
OUT=${2:-runs/conf}
[ -f "$START/model.json" ] || { echo "no checkpoint at $START: run scripts/sokoban-recipe.sh (stage 1) first" >&2; exit 1; }
mkdir -p "$OUT"
npm run build --silent
EVAL="node dist/cli/main.js eval --env Sokoban-v0 --mode image --interaction step --history 0 --max-turns 30 --agent-option temperature=0.5 --agent-option maxTokens=128 --levels data/sokoban/test-6x6-1box.txt --episodes 250"
[ -f "$OUT/eval-start.json" ] || $EVAL --agent "model:$START" --out "$OUT/eval-start.json" > "$OUT/eval-start.log"
for arm in "b010 0.1" "b000 0" "b015 0.15"; do
  set -- $arm
  name=$1 ent=$2 ckpt=$OUT/$1
  [ -f "$ckpt-s600/model.json" ] || npx tsx scripts/priming-probe.ts style=walls episodes=4000 fresh=1 lr=0.0003 evaln=0 keep=1 \
    init="$START" steps=600 every=600 seed=16000 ent="$ent" out="$ckpt" > "$OUT/$name.sft.log" 2>&1
  [ -f "$OUT/eval-$name.json" ] || $EVAL --agent "model:$ckpt-s600" --out "$OUT/eval-$name.json" --compare "$OUT/eval-start.json" > "$OUT/eval-$name.log" 2>&1
  [ -f "$OUT/probe-$name.log" ] || npx tsx scripts/rl-update-probe.ts "$ckpt-s600" lrs=2e-5,5e-6 > "$OUT/probe-$name.log" 2>&1
  grep -h '^success\|^paired' "$OUT/eval-$name.log"
done
