#include <cblas.h>
#include <math.h>
#include <string.h>

#include "kernels.h"
#include "pool.h"
#include "small_gemm.h"
#include <stdlib.h>

// Below this many multiply-adds per product, OpenBLAS's own threading costs more than it
// gains; batches of such products are split across the pool with OpenBLAS single-threaded.
#define LG_SMALL_GEMM (1L << 21)

// Products with fewer multiply-adds than this use the register-blocked kernel of
// small_gemm.c instead of OpenBLAS. Off (0) by default: measured on attention shapes it
// only matched OpenBLAS when A comes transposed and was ~2x slower when A must be packed.
static long small_limit = 0;

static int blas_threads = 1;

void lg_set_small_gemm_limit(long n) { small_limit = n < 0 ? 0 : n; }

void lg_set_threads(int n) {
  if (n < 1) n = 1;
  blas_threads = n;
  openblas_set_num_threads(n);
  lg_pool_set_threads(n);
}

int lg_get_threads(void) { return blas_threads; }

static void epilogue(float *C, long M, long N, const float *bias, long biasLen, int act, float alpha) {
  if (bias) {
    if (biasLen == 1) {
      const float s = bias[0];
      for (long i = 0; i < M * N; i++) C[i] += s;
    } else {
      for (long r = 0; r < M; r++) {
        float *row = C + r * N;
        for (long j = 0; j < N; j++) row[j] += bias[j];
      }
    }
  }
  const long n = M * N;
  switch (act) {
    case LG_ACT_RELU:
      for (long i = 0; i < n; i++) C[i] = C[i] > 0.f ? C[i] : (C[i] != C[i] ? C[i] : 0.f);
      break;
    case LG_ACT_RELU6:
      for (long i = 0; i < n; i++) {
        float x = C[i];
        C[i] = x != x ? x : (x < 0.f ? 0.f : (x > 6.f ? 6.f : x));
      }
      break;
    case LG_ACT_LEAKY:
      for (long i = 0; i < n; i++) C[i] = C[i] < 0.f ? alpha * C[i] : C[i];
      break;
    case LG_ACT_SIGMOID:
      for (long i = 0; i < n; i++) C[i] = 1.f / (1.f + expf(-C[i]));
      break;
    case LG_ACT_ELU:
      for (long i = 0; i < n; i++) C[i] = C[i] >= 0.f ? C[i] : expf(C[i]) - 1.f;
      break;
    default:
      break;
  }
}

typedef struct {
  const float *A, *B;
  float *C;
  long batchA, batchB;
  const int32_t *aIdx, *bIdx;
  long M, N, K;
  int transA, transB;
  const float *bias;
  long biasLen;
  int act;
  float alpha;
} mm_args;

static void mm_range(void *ctx, long begin, long end) {
  const mm_args *p = (const mm_args *)ctx;
  const long M = p->M, N = p->N, K = p->K;
  const int lda = (int)(p->transA ? M : K), ldb = (int)(p->transB ? K : N);
  const int small = M * N * K < small_limit;
  float *scratch = small ? lg_small_scratch(M, N, K) : NULL;
  for (long bi = begin; bi < end; bi++) {
    long ia = p->aIdx ? p->aIdx[bi] : (p->batchA == 1 ? 0 : bi);
    long ib = p->bIdx ? p->bIdx[bi] : (p->batchB == 1 ? 0 : bi);
    float *C = p->C + bi * M * N;
    if (scratch) {
      lg_small_gemm(p->A + ia * M * K, p->B + ib * K * N, C, M, N, K, p->transA, p->transB, scratch);
    } else {
      cblas_sgemm(CblasRowMajor, p->transA ? CblasTrans : CblasNoTrans,
                  p->transB ? CblasTrans : CblasNoTrans, (int)M, (int)N, (int)K, 1.f,
                  p->A + ia * M * K, lda > 0 ? lda : 1, p->B + ib * K * N, ldb > 0 ? ldb : 1, 0.f, C,
                  (int)(N > 0 ? N : 1));
    }
    epilogue(C, M, N, p->bias, p->biasLen, p->act, p->alpha);
  }
  free(scratch);
}

void lg_matmul(const float *A, const float *B, float *C, long batch, long batchA, long batchB,
               const int32_t *aIdx, const int32_t *bIdx, long M, long N, long K, int transA,
               int transB, const float *bias, long biasLen, int act, float alpha) {
  if (batch <= 0 || M <= 0 || N <= 0) return;
  if (K <= 0) {  // empty inner dimension: the product is all zeros (then bias/activation)
    memset(C, 0, sizeof(float) * batch * M * N);
    for (long bi = 0; bi < batch; bi++) epilogue(C + bi * M * N, M, N, bias, biasLen, act, alpha);
    return;
  }
  mm_args args = {A, B, C, batchA, batchB, aIdx, bIdx, M, N, K, transA, transB, bias, biasLen, act, alpha};
  // A batch of row-major A's times one shared B is one tall product.
  if (!transA && batchB == 1 && !aIdx && batchA == batch && batch > 1) {
    args.M = M * batch;
    args.batchA = 1;
    mm_range(&args, 0, 1);
    return;
  }
  // (Only while this thread holds the pool: the OpenBLAS thread switch is process-wide.)
  if (batch > 1 && blas_threads > 1 && M * N * K < LG_SMALL_GEMM && lg_pool_try_acquire()) {
    openblas_set_num_threads(1);
    lg_parallel_for_held(batch, 1, mm_range, &args);
    openblas_set_num_threads(blas_threads);
    lg_pool_release();
    return;
  }
  mm_range(&args, 0, batch);
}
