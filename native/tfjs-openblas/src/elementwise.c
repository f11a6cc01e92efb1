// Element-wise kernels, reductions, softmax, transpose and Adam over float32 buffers.
// Loops are written so that GCC vectorises them; on x86-64 Linux each hot loop is also
// compiled for AVX2 and AVX-512 and picked at load time (target_clones), so the addon
// stays portable across CPUs while using the wide units where they exist.
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kernels.h"
#include "lg_math.h"
#include "pool.h"

// Items per thread below which splitting across the pool does not pay (wake-up ~ 5-20 us).
#define LG_GRAIN 32768L

/* ---------------- binary ops with broadcasting ---------------- */

#define BIN_LOOP(EXPR)                                                         \
  do {                                                                         \
    if (sa == 1 && sb == 1)                                                    \
      for (long i = 0; i < n; i++) { float x = a[i], y = b[i]; o[i] = (EXPR); } \
    else if (sa == 1 && sb == 0) {                                             \
      const float y = b[0];                                                    \
      for (long i = 0; i < n; i++) { float x = a[i]; o[i] = (EXPR); }         \
    } else if (sa == 0 && sb == 1) {                                           \
      const float x = a[0];                                                    \
      for (long i = 0; i < n; i++) { float y = b[i]; o[i] = (EXPR); }         \
    } else                                                                     \
      for (long i = 0; i < n; i++) { float x = a[i * sa], y = b[i * sb]; o[i] = (EXPR); } \
  } while (0)

LG_CLONES
static void bin_inner(int op, long n, const float *a, long sa, const float *b, long sb, float *o) {
  switch (op) {
    case LG_BIN_ADD: BIN_LOOP(x + y); break;
    case LG_BIN_SUB: BIN_LOOP(x - y); break;
    case LG_BIN_MUL: BIN_LOOP(x * y); break;
    case LG_BIN_DIV: BIN_LOOP(x / y); break;
    // NaN-propagating like Math.max/Math.min in the JS kernels.
    case LG_BIN_MAX: BIN_LOOP(x != x || y != y ? x + y : (x > y ? x : y)); break;
    case LG_BIN_MIN: BIN_LOOP(x != x || y != y ? x + y : (x < y ? x : y)); break;
    case LG_BIN_SQDIFF: BIN_LOOP((x - y) * (x - y)); break;
  }
}

typedef struct {
  int op, rank;
  const int32_t *shape, *sa, *sb;
  const float *a, *b;
  float *out;
} bin_args;

static void bin_range(void *ctx, long begin, long end) {
  const bin_args *p = (const bin_args *)ctx;
  const int last = p->rank - 1;
  const long inner = p->shape[last];
  long i = begin;
  while (i < end) {
    long row = i / inner, col = i % inner;
    long len = inner - col;
    if (len > end - i) len = end - i;
    long ao = col * p->sa[last], bo = col * p->sb[last], r = row;
    for (int d = last - 1; d >= 0; d--) {
      long idx = r % p->shape[d];
      r /= p->shape[d];
      ao += idx * p->sa[d];
      bo += idx * p->sb[d];
    }
    bin_inner(p->op, len, p->a + ao, p->sa[last], p->b + bo, p->sb[last], p->out + i);
    i += len;
  }
}

void lg_binary(int op, int rank, const int32_t *shape, const float *a, const int32_t *sa,
               const float *b, const int32_t *sb, float *out) {
  long n = 1;
  for (int d = 0; d < rank; d++) n *= shape[d];
  if (n <= 0) return;
  bin_args args = {op, rank, shape, sa, sb, a, b, out};
  lg_parallel_for(n, LG_GRAIN, bin_range, &args);
}

/* ---------------- unary ops ---------------- */

typedef struct {
  int op;
  const float *x;
  float *out;
} un_args;

LG_CLONES
static void un_range(void *ctx, long begin, long end) {
  const un_args *p = (const un_args *)ctx;
  const float *x = p->x + begin;
  float *o = p->out + begin;
  const long n = end - begin;
  switch (p->op) {
    case LG_UN_EXP: for (long i = 0; i < n; i++) o[i] = lg_expf(x[i]); break;
    case LG_UN_NEG: for (long i = 0; i < n; i++) o[i] = -x[i]; break;
    case LG_UN_SQRT: for (long i = 0; i < n; i++) o[i] = sqrtf(x[i]); break;
    case LG_UN_RSQRT: for (long i = 0; i < n; i++) o[i] = 1.f / sqrtf(x[i]); break;
    case LG_UN_SQUARE: for (long i = 0; i < n; i++) o[i] = x[i] * x[i]; break;
    case LG_UN_RELU: for (long i = 0; i < n; i++) o[i] = x[i] < 0.f ? 0.f : x[i]; break;
    case LG_UN_TANH: for (long i = 0; i < n; i++) o[i] = tanhf(x[i]); break;
    case LG_UN_SIGMOID: for (long i = 0; i < n; i++) o[i] = 1.f / (1.f + lg_expf(-x[i])); break;
    case LG_UN_LOG: for (long i = 0; i < n; i++) o[i] = logf(x[i]); break;
    case LG_UN_ABS: for (long i = 0; i < n; i++) o[i] = fabsf(x[i]); break;
    case LG_UN_RECIPROCAL: for (long i = 0; i < n; i++) o[i] = 1.f / x[i]; break;
  }
}

void lg_unary(int op, long n, const float *x, float *out) {
  un_args args = {op, x, out};
  lg_parallel_for(n, LG_GRAIN, un_range, &args);
}

/* ---------------- softmax ---------------- */

typedef struct {
  long n;
  const float *x;
  float *out;
} sm_args;

// Max of a row with a NaN flag, in 16 lanes so it vectorises.
static inline __attribute__((always_inline)) float row_max(const float *x, long n, int *nan) {
  float lane[16];
  int bad = 0;
  long i = 0;
  for (int k = 0; k < 16; k++) lane[k] = -INFINITY;
  for (; i + 16 <= n; i += 16)
    for (int k = 0; k < 16; k++) {
      float v = x[i + k];
      bad |= v != v;
      lane[k] = v > lane[k] ? v : lane[k];
    }
  float m = -INFINITY;
  for (int k = 0; k < 16; k++) m = lane[k] > m ? lane[k] : m;
  for (; i < n; i++) {
    bad |= x[i] != x[i];
    m = x[i] > m ? x[i] : m;
  }
  *nan = bad;
  return m;
}

static inline __attribute__((always_inline)) float row_sum(const float *x, long n) {
  float lane[16] = {0};
  long i = 0;
  for (; i + 16 <= n; i += 16)
    for (int k = 0; k < 16; k++) lane[k] += x[i + k];
  float s = 0.f;
  for (int k = 0; k < 16; k++) s += lane[k];
  for (; i < n; i++) s += x[i];
  return s;
}

LG_CLONES
static void sm_range(void *ctx, long begin, long end) {
  const sm_args *p = (const sm_args *)ctx;
  const long n = p->n;
  for (long r = begin; r < end; r++) {
    const float *x = p->x + r * n;
    float *o = p->out + r * n;
    int nan;
    const float mx = row_max(x, n, &nan);
    if (nan || mx == INFINITY || mx == -INFINITY) {  // rare: exact JS semantics via libm
      float s = 0.f;
      for (long i = 0; i < n; i++) { o[i] = expf(x[i] - (nan ? NAN : mx)); s += o[i]; }
      for (long i = 0; i < n; i++) o[i] /= s;
      continue;
    }
    for (long i = 0; i < n; i++) o[i] = lg_expf(x[i] - mx);
    const float inv = 1.f / row_sum(o, n);
    for (long i = 0; i < n; i++) o[i] *= inv;
  }
}

void lg_softmax(long rows, long n, const float *x, float *out) {
  if (rows <= 0 || n <= 0) return;
  sm_args args = {n, x, out};
  long grain = LG_GRAIN / n;
  lg_parallel_for(rows, grain < 1 ? 1 : grain, sm_range, &args);
}

/* ---------------- reductions ---------------- */

typedef struct {
  int op;
  long outer, reduce, inner;
  const float *x;
  float *out;
} red_args;

// Rows [begin, end) of a [rows, reduce] view (inner == 1). Sums accumulate in double,
// like the JS kernels (JS numbers), so long reductions keep float32 accuracy.
LG_CLONES
static void red_rows(void *ctx, long begin, long end) {
  const red_args *p = (const red_args *)ctx;
  const long n = p->reduce;
  for (long r = begin; r < end; r++) {
    const float *x = p->x + r * n;
    if (p->op == LG_RED_SUM || p->op == LG_RED_MEAN) {
      double acc[8] = {0};
      long i = 0;
      for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++) acc[k] += x[i + k];
      double s = 0.0;
      for (int k = 0; k < 8; k++) s += acc[k];
      for (; i < n; i++) s += x[i];
      p->out[r] = (float)(p->op == LG_RED_MEAN ? s / (double)n : s);
    } else {
      const int isMax = p->op == LG_RED_MAX;
      float m = x[0];
      int nan = 0;
      for (long i = 0; i < n; i++) {
        nan |= x[i] != x[i];
        m = isMax ? (x[i] > m ? x[i] : m) : (x[i] < m ? x[i] : m);
      }
      p->out[r] = nan ? NAN : m;
    }
  }
}

#define LG_COL_CHUNK 256

// Columns [begin, end) of every outer slice (inner > 1): out[o, j] = reduce_r x[o, r, j].
LG_CLONES
static void red_cols(void *ctx, long begin, long end) {
  const red_args *p = (const red_args *)ctx;
  const long R = p->reduce, I = p->inner;
  double acc[LG_COL_CHUNK];
  for (long o = 0; o < p->outer; o++) {
    float *dst = p->out + o * I;
    const float *src = p->x + o * R * I;
    for (long j0 = begin; j0 < end; j0 += LG_COL_CHUNK) {
      const long w = end - j0 < LG_COL_CHUNK ? end - j0 : LG_COL_CHUNK;
      const float *s0 = src + j0;
      if (p->op == LG_RED_SUM || p->op == LG_RED_MEAN) {
        for (long j = 0; j < w; j++) acc[j] = s0[j];
        for (long r = 1; r < R; r++) {
          const float *row = s0 + r * I;
          for (long j = 0; j < w; j++) acc[j] += row[j];
        }
        const double scale = p->op == LG_RED_MEAN ? 1.0 / (double)R : 1.0;
        for (long j = 0; j < w; j++) dst[j0 + j] = (float)(acc[j] * scale);
      } else {
        const int isMax = p->op == LG_RED_MAX;
        float *d = dst + j0;
        for (long j = 0; j < w; j++) d[j] = s0[j];
        for (long r = 1; r < R; r++) {
          const float *row = s0 + r * I;
          for (long j = 0; j < w; j++) {
            float v = row[j], m = d[j];
            d[j] = (v != v || m != m) ? v + m : (isMax ? (v > m ? v : m) : (v < m ? v : m));
          }
        }
      }
    }
  }
}

// One outer slice per item (inner > 1, many slices).
static void red_slices(void *ctx, long begin, long end) {
  const red_args *p = (const red_args *)ctx;
  red_args one = *p;
  for (long o = begin; o < end; o++) {
    one.outer = 1;
    one.x = p->x + o * p->reduce * p->inner;
    one.out = p->out + o * p->inner;
    red_cols(&one, 0, p->inner);
  }
}

void lg_reduce(int op, long outer, long reduce, long inner, const float *x, float *out) {
  if (outer <= 0 || inner <= 0) return;
  if (reduce <= 0) {  // reducing an empty axis: sum 0, mean NaN, max -inf, min +inf
    // (the JS Mean kernel divides then sums, so an empty mean is 0 too)
    float v = op == LG_RED_SUM || op == LG_RED_MEAN ? 0.f : op == LG_RED_MAX ? -INFINITY : INFINITY;
    for (long i = 0; i < outer * inner; i++) out[i] = v;
    return;
  }
  red_args args = {op, outer, reduce, inner, x, out};
  if (inner == 1) {
    long grain = LG_GRAIN / reduce;
    lg_parallel_for(outer, grain < 1 ? 1 : grain, red_rows, &args);
  } else if (outer >= lg_pool_threads() * 2) {
    long grain = LG_GRAIN / (reduce * inner);
    lg_parallel_for(outer, grain < 1 ? 1 : grain, red_slices, &args);
  } else {
    long grain = LG_GRAIN / (reduce * outer);
    lg_parallel_for(inner, grain < 16 ? 16 : grain, red_cols, &args);
  }
}

/* ---------------- transpose ---------------- */

typedef struct {
  int rank;
  const int32_t *shape, *st;
  const float *x;
  float *out;
} tr_args;

static void tr_range(void *ctx, long begin, long end) {
  const tr_args *p = (const tr_args *)ctx;
  const int last = p->rank - 1;
  const long inner = p->shape[last], s = p->st[last];
  long i = begin;
  while (i < end) {
    long row = i / inner, col = i % inner;
    long len = inner - col;
    if (len > end - i) len = end - i;
    long off = col * s, r = row;
    for (int d = last - 1; d >= 0; d--) {
      long idx = r % p->shape[d];
      r /= p->shape[d];
      off += idx * p->st[d];
    }
    const float *src = p->x + off;
    float *dst = p->out + i;
    if (s == 1) memcpy(dst, src, sizeof(float) * len);
    else for (long k = 0; k < len; k++) dst[k] = src[k * s];
    i += len;
  }
}

void lg_transpose(int rank, const int32_t *shape, const int32_t *inStrides, const float *x, float *out) {
  long n = 1;
  for (int d = 0; d < rank; d++) n *= shape[d];
  if (n <= 0) return;
  tr_args args = {rank, shape, inStrides, x, out};
  lg_parallel_for(n, LG_GRAIN, tr_range, &args);
}

/* ---------------- Adam ---------------- */

typedef struct {
  const float *var, *g, *m, *v;
  float *ovar, *om, *ov;
  float lr, b1, b2, eps, bc1, bc2;
} adam_args;

LG_CLONES
static void adam_range(void *ctx, long begin, long end) {
  const adam_args *p = (const adam_args *)ctx;
  const float b1 = p->b1, b2 = p->b2, lr = p->lr, eps = p->eps, bc1 = p->bc1, bc2 = p->bc2;
  for (long i = begin; i < end; i++) {
    float g = p->g[i];
    float m = b1 * p->m[i] + (1.f - b1) * g;
    float v = b2 * p->v[i] + (1.f - b2) * (g * g);
    float x = p->var[i];
    p->om[i] = m;
    p->ov[i] = v;
    p->ovar[i] = x - lr * ((m / bc1) / (sqrtf(v / bc2) + eps));
  }
}

void lg_adam(long n, const float *var, const float *grad, const float *m, const float *v, float *outVar,
             float *outM, float *outV, float lr, float beta1, float beta2, float eps, float bc1, float bc2) {
  adam_args args = {var, grad, m, v, outVar, outM, outV, lr, beta1, beta2, eps, bc1, bc2};
  lg_parallel_for(n, LG_GRAIN, adam_range, &args);
}
