{
  "targets": [
    {
      "target_name": "tfjs_openblas",
      "sources": ["src/addon.c", "src/gemm.c", "src/elementwise.c", "src/pool.c", "src/small_gemm.c", "src/lmm.c", "src/train.c"],
      "include_dirs": ["/usr/include/openblas", "/usr/local/include", "/opt/homebrew/opt/openblas/include", "/usr/local/opt/openblas/include"],
      "libraries": ["-lopenblas", "-lpthread", "-lm"],
      "cflags": ["-O3", "-std=gnu11", "-fno-math-errno", "-fno-trapping-math", "-Wall", "-Wno-unused-parameter", "-Wno-psabi"],
      "defines": ["NAPI_VERSION=8"],
      "conditions": [
        ["OS=='mac'", {
          "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-std=gnu11", "-fno-math-errno"] },
          "libraries": ["-L/opt/homebrew/opt/openblas/lib", "-L/usr/local/opt/openblas/lib"]
        }]
      ]
    }
  ]
}
