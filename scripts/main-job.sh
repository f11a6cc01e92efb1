#!/usr/bin/env bash
# The main job (README): fine-tune the shipped agent with rule-based RL on Sokoban images
# (MGT stage, plan mode), evaluate it on held-out levels against nothing but the rules, and
# render one evaluated episode as an animated GIF and an HTML viewer. Results go to
# out/main/ (replaced on each run). About a minute or two on 2 idle cores.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=out/main
CLI="node dist/cli/main.js"
rm -rf "$OUT"
mkdir -p "$OUT"

echo "== 1/3 train: fine-tune checkpoints/quick-agent (configs/finetune.json)"
$CLI train --config configs/finetune.json --out "$OUT/train"

echo "== 2/3 eval: 16 held-out Sokoban 6x6 levels from images, plan mode"
$CLI eval --env Sokoban-v0 --mode image --interaction plan \
  --agent "model:$OUT/train/final" --agent-option temperature=0.5 --agent-option maxTokens=160 \
  --episodes 16 --seed 1000000000 --replays "$OUT/eval" --out "$OUT/eval.json"

echo "== 3/3 replay: GIF and HTML of an evaluated episode (the first solved one, else the first)"
episode=$(node -e 'const r = require(process.argv[1]); const e = r.perEpisode.find((x) => x.success) ?? r.perEpisode[0]; console.log(String(e.episode).padStart(6, "0"))' "$PWD/$OUT/eval.json")
$CLI replay "$OUT/eval/Sokoban-v0-ep$episode.jsonl" --gif "$OUT/replay.gif" --html "$OUT/replay.html"

echo
echo "results in $OUT/:"
echo "  train/curves/*.png  training curves      train/metrics.jsonl  metrics"
echo "  eval.json           evaluation report    eval/*.jsonl         replays (lmm-gym replay FILE --gif ...)"
echo "  replay.gif          animated replay      replay.html          replay viewer"
