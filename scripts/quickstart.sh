#!/usr/bin/env bash
# One command from a fresh Debian/Ubuntu checkout to the main job's results:
# system libraries, npm ci, build, then the main job (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh
npm ci --no-audit --no-fund
npm run build --silent
npm run main --silent
