// A register-blocked GEMM for small products (attention-sized, e.g. 96x96x32), where
// OpenBLAS spends more time packing and dispatching than multiplying. Operands are packed
// to A^T [K][M] and B [K][N]; an 8x16 block of C stays in registers over the whole K loop.
#include <stdlib.h>
#include <string.h>

#include "small_gemm.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
#define LG_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define LG_CLONES
#endif

#define MR 8
#define NR 16

typedef float v16 __attribute__((vector_size(64)));

static inline __attribute__((always_inline)) v16 load16(const float *p) {
  v16 v;
  memcpy(&v, p, sizeof v);
  return v;
}

LG_CLONES
static void kernel(const float *Ap, const float *Bp, float *C, long M, long N, long K) {
  long j0 = 0;
  for (; j0 + NR <= N; j0 += NR) {
    long i0 = 0;
    for (; i0 + MR <= M; i0 += MR) {
      v16 c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0}, c4 = {0}, c5 = {0}, c6 = {0}, c7 = {0};
      for (long k = 0; k < K; k++) {
        const v16 b = load16(Bp + k * N + j0);
        const float *a = Ap + k * M + i0;
        c0 += a[0] * b; c1 += a[1] * b; c2 += a[2] * b; c3 += a[3] * b;
        c4 += a[4] * b; c5 += a[5] * b; c6 += a[6] * b; c7 += a[7] * b;
      }
      float *c = C + i0 * N + j0;
      memcpy(c, &c0, 64); memcpy(c + N, &c1, 64); memcpy(c + 2 * N, &c2, 64); memcpy(c + 3 * N, &c3, 64);
      memcpy(c + 4 * N, &c4, 64); memcpy(c + 5 * N, &c5, 64); memcpy(c + 6 * N, &c6, 64); memcpy(c + 7 * N, &c7, 64);
    }
    for (; i0 < M; i0++) {
      v16 acc = {0};
      for (long k = 0; k < K; k++) acc += Ap[k * M + i0] * load16(Bp + k * N + j0);
      memcpy(C + i0 * N + j0, &acc, 64);
    }
  }
  if (j0 < N) {
    for (long i = 0; i < M; i++)
      for (long j = j0; j < N; j++) {
        float s = 0.f;
        for (long k = 0; k < K; k++) s += Ap[k * M + i] * Bp[k * N + j];
        C[i * N + j] = s;
      }
  }
}

float *lg_small_scratch(long M, long N, long K) {
  return (float *)malloc(sizeof(float) * (size_t)(M * K + K * N));
}

void lg_small_gemm(const float *A, const float *B, float *C, long M, long N, long K, int transA, int transB,
                   float *scratch) {
  const float *Ap = A, *Bp = B;
  if (!transA) {  // A [M][K] -> A^T [K][M]
    float *t = scratch;
    for (long i = 0; i < M; i++)
      for (long k = 0; k < K; k++) t[k * M + i] = A[i * K + k];
    Ap = t;
  }
  if (transB) {  // B stored [N][K] -> [K][N]
    float *t = scratch + M * K;
    for (long j = 0; j < N; j++)
      for (long k = 0; k < K; k++) t[k * N + j] = B[j * K + k];
    Bp = t;
  }
  kernel(Ap, Bp, C, M, N, K);
}
