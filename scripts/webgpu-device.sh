#!/usr/bin/env bash
# The webgpu backend on a GPU machine that has no Node and no package registry (the device
# machine of this workplace: an H200, CUDA 13, nothing outside it reachable).
#   bash scripts/webgpu-device.sh pack   # here: builds .gpu/payload.tar.xz (git-ignored, ~40 MB)
#   bash scripts/webgpu-device.sh run [check256 update check1024]   # there, from the repo root,
#                                        # with .gpu carried; OUT=dir for results
# .gpu/ holds this machine's node (xz), scripts/backend-check.ts bundled with tfjs and
# tfjs-backend-webgpu (esbuild), Dawn's linux-x64 dawn.node (the `webgpu` package), the
# native cpu kernels with their OpenBLAS, and the Vulkan and EGL loaders; the NVIDIA
# driver's own Vulkan/EGL ICDs are on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
G=.gpu
DUMP=${DUMP:-runs/webgpu/rl-batch.json}

pack() {
  local s=$G/stage l=/usr/lib/x86_64-linux-gnu
  rm -rf "$G" && mkdir -p "$s/lib" "$s/node_modules/webgpu/dist/linux-x64" "$s/node_modules/@lmm-gym/tfjs-openblas/build/Release"
  echo "import '$PWD/bench/model.ts'; // runs itself as the main module" >"$s/bench-entry.ts"
  for entry in scripts/backend-check.ts:check scripts/update-timing.ts:update $s/bench-entry.ts:bench; do
    node_modules/.bin/esbuild "${entry%%:*}" --bundle --platform=node --format=esm --target=node20 \
      --external:webgpu --external:@lmm-gym/tfjs-openblas --log-level=warning --outfile="$s/${entry##*:}.mjs" \
      --banner:js="import{createRequire as __cr}from'module';const require=__cr(import.meta.url);"
  done
  rm "$s/bench-entry.ts"
  # The RL batch that scripts/rl-update-probe.ts dumped, and its start checkpoint.
  if [ -f "$DUMP" ]; then
    cp "$DUMP" "$s/rl-batch.json"
    cp -rL "$(node -e "console.log(JSON.parse(require('fs').readFileSync('$DUMP','utf8')).checkpoint)")" "$s/ckpt"
  fi
  cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$s/node_modules/webgpu/"
  cp node_modules/webgpu/dist/linux-x64/dawn.node "$s/node_modules/webgpu/dist/linux-x64/"
  cp native/tfjs-openblas/index.cjs native/tfjs-openblas/package.json "$s/node_modules/@lmm-gym/tfjs-openblas/"
  cp native/tfjs-openblas/build/Release/tfjs_openblas.node "$s/node_modules/@lmm-gym/tfjs-openblas/build/Release/"
  cp -L "$l/libopenblas.so.0" "$l/libgfortran.so.5" "$l/libquadmath.so.0" "$l/libvulkan.so.1" "$l/libEGL.so.1" "$l/libGLdispatch.so.0" "$s/lib/"
  cp "$(command -v node)" "$s/node"
  tar -C "$s" -cf - . | xz -T2 -6 >"$G/payload.tar.xz"
  rm -rf "$s"
  du -sh "$G"
}

run() {
  out=${OUT:-/tmp/webgpu-out} p=/tmp/lmm-gpu
  mkdir -p "$out" "$p"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
  python3 -c "import tarfile,sys; tarfile.open(sys.argv[1]).extractall(sys.argv[2])" "$G/payload.tar.xz" "$p"
  export LD_LIBRARY_PATH="$p/lib:${LD_LIBRARY_PATH:-}" XDG_RUNTIME_DIR=/tmp
  local icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  [ -f "$icd" ] || icd=$(find /usr /etc /opt -name 'nvidia_icd*.json' 2>/dev/null | head -1 || true)
  [ -z "$icd" ] || export VK_DRIVER_FILES="$icd" VK_ICD_FILENAMES="$icd"
  local egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  [ ! -f "$egl" ] || export __EGL_VENDOR_LIBRARY_FILENAMES="$egl"
  echo "node $("$p/node" -v); Vulkan ICD: ${icd:-none}"
  local dawn="" whats=("$@")
  [ ${#whats[@]} -gt 0 ] || whats=(check256 update check1024)
  for d in backend=vulkan backend=opengles; do
    if step "$d" check32; then dawn=$d; break; fi
  done
  [ -n "$dawn" ] || { echo "no Dawn adapter"; return 1; }
  for what in "${whats[@]}"; do step "$dawn" "$what" || echo "($what failed)"; done
}

# One measurement: check32/check256 (parity + speed, cpu and webgpu), check1024 (webgpu
# alone), update (the dumped RL update, 3 times on webgpu), submit (check32 on webgpu alone
# at 15, 64, 256, 1024 kernels per queue submit), bench (npm run bench's model
# section on webgpu; BENCH_DAWN adds Dawn flags, e.g. enable-dawn-features=allow_unsafe_apis
# for timestamp queries, i.e. kernel times in tf.profile).
step() {
  local dawn=$1 what=$2 ckpt=checkpoints/sokoban-agent
  local run=(env LMM_GYM_BACKEND=webgpu LMM_GYM_DAWN="$dawn" timeout 300 "$p/node")
  echo "== $what (Dawn $dawn)"
  case $what in
    check32) "${run[@]}" "$p/check.mjs" checkpoint=$ckpt rows=32 out="$out/check-32.json" ;;
    check256) "${run[@]}" "$p/check.mjs" checkpoint=$ckpt rows=256 reps=2 genRows=256 out="$out/check-256.json" ;;
    check1024) "${run[@]}" "$p/check.mjs" checkpoint=$ckpt rows=1024 reps=2 genRows=1024 skipCpu=1 out="$out/check-1024.json" ;;
    submit) for n in 15 64 256 1024; do "${run[@]}" "$p/check.mjs" checkpoint=$ckpt rows=32 skipCpu=1 submitBatch=$n out="$out/submit-$n.json"; done ;;
    bench) LMM_GYM_DAWN="$dawn${BENCH_DAWN:+,$BENCH_DAWN}" LMM_GYM_BACKEND=webgpu timeout 300 "$p/node" "$p/bench.mjs" ;;
    update) [ -f "$p/rl-batch.json" ] && "${run[@]}" "$p/update.mjs" "$p/rl-batch.json" checkpoint="$p/ckpt" updates=3 skipCpu=1 out="$out/update.json" ;;
  esac 2>&1 | grep -v '^Warning: max'
  [ "$what" != check32 ] || [ -s "$out/check-32.json" ]
}

case "${1:-}" in
  pack) pack ;;
  run) shift; run "$@" ;;
  *) echo "usage: $0 pack|run" >&2; exit 2 ;;
esac
