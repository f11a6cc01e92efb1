#!/usr/bin/env bash
# The main job (README): fine-tune the shipped agent with rule-based RL on Sokoban images
# (MGT stage, step mode), evaluate it on levels of the fixed test set (never seen in
# training), and render the longest solved episode as an animated GIF and an HTML viewer
# (the game frame beside the agent's reasoning). Results go to out/main/ (replaced on each
# run). A minute or two on 2 idle cores.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=out/main
CLI="node dist/cli/main.js"
LEVELS=data/sokoban/test-6x6-1box.txt
rm -rf "$OUT"
mkdir -p "$OUT"

echo "== 1/3 train: fine-tune checkpoints/sokoban-agent (configs/finetune.json)"
$CLI train --config configs/finetune.json --out "$OUT/train"

echo "== 2/3 eval: 32 test levels ($LEVELS) from images, step mode, temperature 0.5 (greedy repeats a blocked move)"
$CLI eval --env Sokoban-v0 --mode image --interaction step --history 0 --max-turns 30 \
  --agent "model:$OUT/train/final" --agent-option temperature=0.5 --agent-option maxTokens=128 \
  --levels "$LEVELS" --episodes 32 --replays "$OUT/eval" --out "$OUT/eval.json"

echo "== 3/3 replay: GIF and HTML of the longest solved episode (else the first)"
episode=$(node -e 'const r = require(process.argv[1]); const won = r.perEpisode.filter((x) => x.success).sort((a, b) => b.steps - a.steps); const e = won[0] ?? r.perEpisode[0]; console.log(String(e.episode).padStart(6, "0"))' "$PWD/$OUT/eval.json")
$CLI replay "$OUT/eval/Sokoban-v0-ep$episode.jsonl" --gif "$OUT/replay.gif" --html "$OUT/replay.html"

echo
echo "results in $OUT/:"
echo "  train/curves/*.png  training curves      train/metrics.jsonl  metrics"
echo "  eval.json           evaluation report    eval/*.jsonl         replays (lmm-gym replay FILE --gif ...)"
echo "  replay.gif          animated replay      replay.html          replay viewer"
