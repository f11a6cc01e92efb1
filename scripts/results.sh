#!/usr/bin/env bash
# Held-out evaluation of a trained checkpoint against the random and oracle agents
# (docs/results.md). Usage: scripts/results.sh [MODEL_DIR] [OUT_DIR] [EPISODES]
# Defaults: checkpoints/quick-agent, runs/results, 64 model episodes for the single-turn
# tasks (half for Sokoban step mode, a quarter per Football drill; 200 for random/oracle). Held-out seeds start at 1e9
# (training draws level seeds below that). Step mode is capped at 20 turns (Sokoban) and
# 30 turns (Football) for every agent.
set -euo pipefail
cd "$(dirname "$0")/.."
export LMM_GYM_NATIVE_THREADS="${LMM_GYM_NATIVE_THREADS:-1}"
model="${1:-checkpoints/quick-agent}"; out="${2:-runs/results}"; n="${3:-64}"
seed=1000000000
mkdir -p "$out"
ev() { # name env mode interaction model-episodes extra...
  local name=$1 env=$2 mode=$3 inter=$4 m=$5; shift 5
  for agent in random oracle "model:$model"; do
    local tag=${agent%%:*}
    local eps=$m; [ "$tag" != model ] && eps=200
    node dist/cli/main.js eval --quiet --env "$env" --mode "$mode" --interaction "$inter" --agent "$agent" \
      --episodes "$eps" --seed "$seed" --parallel 64 --agent-option maxTokens=160 --agent-option temperature=0.5 --out "$out/$name-$tag.json" "$@" > /dev/null
    node -e "const r=require('./$out/$name-$tag.json');console.log('$name $tag',r.episodes,(r.successRate*100).toFixed(1)+'%','['+r.successInterval95.map(x=>(x*100).toFixed(1)).join(', ')+']','format',(r.formatValidRate*100).toFixed(0)+'%',JSON.stringify(Object.fromEntries(Object.entries(r.scores).map(([k,v])=>[k,+v.mean.toFixed(1)]))))"
  done
}
ev sokoban-image-plan Sokoban-v0 image plan "$n"
ev sokoban-text-plan Sokoban-v0 text plan "$n"
ev countdown-easy Countdown-v0 text step "$n" --option difficulty=easy
ev sokoban-image-step Sokoban-v0 image step $(( n / 2 )) --max-turns 20
ev football-empty-goal-close Football-v0 image step $(( n / 4 )) --max-turns 30 --option scenario=academy_empty_goal_close
ev football-run-to-score-keeper Football-v0 image step $(( n / 4 )) --max-turns 30 --option scenario=academy_run_to_score_with_keeper
