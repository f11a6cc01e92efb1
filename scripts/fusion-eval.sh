#!/usr/bin/env bash
# Held-out evaluation of the issue 16 arms (docs/notes/issue-16.md): every MODEL_DIR on
# Sokoban 6x6/1 box from images in plan mode (the first N levels of the fixed test set
# data/sokoban/test-6x6-1box.txt, held out of every dataset prompt) and on Countdown easy
# (N held-out seeds from 1e9), sampled at temperature 0.5 with answers up to 160 tokens.
# Prints one line per model and task: success with its Wilson 95% interval, format rate
# (of the whole report; `npx tsx scripts/fusion-report.ts OUT_DIR N` tabulates the first N).
# Usage: scripts/fusion-eval.sh OUT_DIR N MODEL_DIR...
set -euo pipefail
cd "$(dirname "$0")/.."
export LMM_GYM_NATIVE_THREADS="${LMM_GYM_NATIVE_THREADS:-1}"
out="$1"; n="$2"; shift 2
mkdir -p "$out"
cli=(npx tsx cli/main.ts)
[ -f dist/cli/main.js ] && cli=(node dist/cli/main.js)
# A report that already covers at least N episodes is kept (re-running resumes the table).
have() { [ -f "$1" ] && node -e "process.exit(require(process.argv[1]).episodes >= +process.argv[2] ? 0 : 1)" "$PWD/$1" "$n"; }
for model in "$@"; do
  tag=$(echo "$model" | tr '/' '_')
  have "$out/$tag-sokoban.json" || "${cli[@]}" eval --quiet --env Sokoban-v0 --mode image --interaction plan --agent "model:$model" \
    --agent-option temperature=0.5 --agent-option maxTokens=160 --levels data/sokoban/test-6x6-1box.txt --episodes "$n" \
    --parallel 64 --out "$out/$tag-sokoban.json" > /dev/null
  have "$out/$tag-countdown.json" || "${cli[@]}" eval --quiet --env Countdown-v0 --option difficulty=easy --agent "model:$model" \
    --agent-option temperature=0.5 --agent-option maxTokens=160 --episodes "$n" --seed 1000000000 \
    --parallel 64 --out "$out/$tag-countdown.json" > /dev/null
  for task in sokoban countdown; do
    node -e "const r=require(process.argv[1]);console.log(process.argv[2],process.argv[3],r.episodes,r.successes ?? Math.round(r.successRate*r.episodes),(r.successRate*100).toFixed(1)+'%','['+r.successInterval95.map(x=>(x*100).toFixed(1)).join(', ')+']','format',(r.formatValidRate*100).toFixed(0)+'%')" \
      "$PWD/$out/$tag-$task.json" "$model" "$task"
  done
done
