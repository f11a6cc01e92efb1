#!/usr/bin/env bash
# Issue 12 aim 5: the whole Sokoban recipe from scratch, one command (no checkpoint used):
#   bash scripts/sokoban-recipe.sh [OUT]        (default OUT=runs/recipe; ~2 h on 2 cores)
# 1. SFT of a fresh 6-layer small model on walls-style oracle traces from images (step mode),
#    lr 3e-4, fresh traces every 600 steps, DAgger rounds on levels of >= 5 optimal moves.
# 2. The same SFT + DAgger continued from stage 1 (a new optimizer and trace seeds).
# 3. Step-mode RL with per-turn credit (configs/sokoban-rl-recipe.json, model.init set here).
# 4. The test-set eval of each stage's model (250 held-out levels, images, T 0.5).
# A finished stage is skipped when the command runs again: an SFT stage is finished when its
# last chunk's copy (OUT/sftN-sSTEPS) exists (OUT/sftN is rewritten after every chunk, so
# it alone does not say so), and a stage stopped part-way starts over; the RL stage resumes
# from its last checkpoint (`train --resume`).
# The measured run and its numbers: docs/notes/issue-12.md.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/recipe}
SFT1_STEPS=${SFT1_STEPS:-3000}
SFT2_STEPS=${SFT2_STEPS:-5400}
mkdir -p "$OUT"
npm run build --silent
PROBE="npx tsx scripts/priming-probe.ts style=walls episodes=4000 fresh=1 dagger=192 dmin=5 every=600 lr=0.0003 evaln=0 keep=1"

if [ ! -f "$OUT/sft1-s$SFT1_STEPS/model.json" ]; then
  echo "== 1/4 SFT + DAgger from scratch ($SFT1_STEPS steps)"
  $PROBE layers=6 steps="$SFT1_STEPS" seed=14000 dseed=350000000 out="$OUT/sft1" | tee "$OUT/sft1.log"
fi
if [ ! -f "$OUT/sft2-s$SFT2_STEPS/model.json" ]; then
  echo "== 2/4 SFT + DAgger continued ($SFT2_STEPS steps)"
  $PROBE init="$OUT/sft1" daggerFirst=1 steps="$SFT2_STEPS" seed=15000 dseed=360000000 out="$OUT/sft2" | tee "$OUT/sft2.log"
fi
if [ ! -f "$OUT/rl/final/model.json" ]; then
  echo "== 3/4 step-mode RL (configs/sokoban-rl-recipe.json from $OUT/sft2)"
  node -e 'const fs = require("fs"); const c = JSON.parse(fs.readFileSync("configs/sokoban-rl-recipe.json", "utf8")); c.model.init = process.argv[1]; fs.writeFileSync(process.argv[2], JSON.stringify(c, null, 2));' "$OUT/sft2" "$OUT/rl-config.json"
  node dist/cli/main.js train --config "$OUT/rl-config.json" --out "$OUT/rl" --resume
fi
echo "== 4/4 test-set evals (data/sokoban/test-6x6-1box.txt, 250 levels, images, step mode, T 0.5)"
for m in sft1 sft2 rl/final; do
  name=${m//\//-}
  [ -f "$OUT/eval-$name.json" ] || node dist/cli/main.js eval --env Sokoban-v0 --mode image --interaction step --history 0 --max-turns 30 \
    --agent "model:$OUT/$m" --agent-option temperature=0.5 --agent-option maxTokens=128 \
    --levels data/sokoban/test-6x6-1box.txt --episodes 250 --out "$OUT/eval-$name.json" > /dev/null
  node -e 'const r = require(process.argv[1]); const [lo, hi] = r.successInterval95; console.log(`${process.argv[2].padEnd(9)} ${(r.successRate * 100).toFixed(1)}% [${(lo * 100).toFixed(1)}, ${(hi * 100).toFixed(1)}] (${r.successes}/${r.episodes})`)' "$PWD/$OUT/eval-$name.json" "$m"
done
