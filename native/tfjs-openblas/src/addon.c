// N-API bindings: every function takes the backend's Float32Arrays as they are (zero copy)
// and writes into an output Float32Array the caller allocated. Sizes are checked here so
// that a wrong call throws a JS error instead of touching memory out of bounds.
#include <cblas.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kernels.h"
#include "pool.h"

#define MAX_ARGS 16
#define MAX_RANK 16

#define CHECK(env, cond, msg)                     \
  do {                                            \
    if (!(cond)) {                                \
      napi_throw_error((env), "LG_NATIVE", (msg)); \
      return NULL;                                \
    }                                             \
  } while (0)

typedef struct {
  napi_env env;
  size_t argc;
  napi_value argv[MAX_ARGS];
  int failed;
} call_t;

static int get_args(napi_env env, napi_callback_info info, call_t *c, size_t want) {
  c->env = env;
  c->argc = MAX_ARGS;
  c->failed = 0;
  if (napi_get_cb_info(env, info, &c->argc, c->argv, NULL, NULL) != napi_ok || c->argc < want) {
    napi_throw_type_error(env, "LG_NATIVE", "too few arguments");
    return 0;
  }
  return 1;
}

static int is_nullish(call_t *c, size_t i) {
  napi_valuetype t;
  if (i >= c->argc) return 1;
  napi_typeof(c->env, c->argv[i], &t);
  return t == napi_null || t == napi_undefined;
}

// A typed array argument of the given type; NULL (and a pending exception) otherwise.
static void *typed(call_t *c, size_t i, napi_typedarray_type want, size_t *len) {
  napi_typedarray_type type;
  size_t length;
  void *data;
  napi_value ab;
  size_t off;
  bool ok = false;
  if (c->failed) return NULL;
  napi_is_typedarray(c->env, c->argv[i], &ok);
  if (!ok || napi_get_typedarray_info(c->env, c->argv[i], &type, &length, &data, &ab, &off) != napi_ok ||
      type != want) {
    char msg[96];
    snprintf(msg, sizeof msg, "argument %zu must be a %s", i,
             want == napi_float32_array ? "Float32Array" : "Int32Array");
    napi_throw_type_error(c->env, "LG_NATIVE", msg);
    c->failed = 1;
    return NULL;
  }
  *len = length;
  // An empty typed array may have a NULL data pointer; kernels never read it then.
  static float dummy;
  return data ? data : (void *)&dummy;
}

static long num(call_t *c, size_t i) {
  double v = 0;
  if (c->failed) return 0;
  if (napi_get_value_double(c->env, c->argv[i], &v) != napi_ok) {
    napi_throw_type_error(c->env, "LG_NATIVE", "expected a number");
    c->failed = 1;
  }
  return (long)v;
}

static float fnum(call_t *c, size_t i) {
  double v = 0;
  if (c->failed) return 0;
  if (napi_get_value_double(c->env, c->argv[i], &v) != napi_ok) {
    napi_throw_type_error(c->env, "LG_NATIVE", "expected a number");
    c->failed = 1;
  }
  return (float)v;
}

// matmul(a, b, out, batch, batchA, batchB, aIdx|null, bIdx|null, M, N, K, transA, transB,
//        bias|null, act, alpha)
static napi_value js_matmul(napi_env env, napi_callback_info info) {
  call_t c;
  if (!get_args(env, info, &c, 16)) return NULL;
  size_t la, lb, lc, lbias = 0, lia = 0, lib = 0;
  const float *a = typed(&c, 0, napi_float32_array, &la);
  const float *b = typed(&c, 1, napi_float32_array, &lb);
  float *out = typed(&c, 2, napi_float32_array, &lc);
  long batch = num(&c, 3), batchA = num(&c, 4), batchB = num(&c, 5);
  const int32_t *aIdx = is_nullish(&c, 6) ? NULL : typed(&c, 6, napi_int32_array, &lia);
  const int32_t *bIdx = is_nullish(&c, 7) ? NULL : typed(&c, 7, napi_int32_array, &lib);
  long M = num(&c, 8), N = num(&c, 9), K = num(&c, 10);
  int transA = (int)num(&c, 11), transB = (int)num(&c, 12);
  const float *bias = is_nullish(&c, 13) ? NULL : typed(&c, 13, napi_float32_array, &lbias);
  int act = (int)num(&c, 14);
  float alpha = fnum(&c, 15);
  if (c.failed) return NULL;
  CHECK(env, batch >= 0 && batchA >= 0 && batchB >= 0 && M >= 0 && N >= 0 && K >= 0, "negative size");
  CHECK(env, M < (1L << 31) && N < (1L << 31) && K < (1L << 31), "matrix dimension too large for BLAS");
  CHECK(env, (size_t)(batchA * M * K) <= la && (size_t)(batchB * K * N) <= lb, "input buffer too small");
  CHECK(env, (size_t)(batch * M * N) <= lc, "output buffer too small");
  CHECK(env, aIdx || batchA == 1 || batchA == batch, "batch of a needs an index map");
  CHECK(env, bIdx || batchB == 1 || batchB == batch, "batch of b needs an index map");
  if (aIdx) {
    CHECK(env, (long)lia >= batch, "aIdx too short");
    for (long i = 0; i < batch; i++) CHECK(env, aIdx[i] >= 0 && aIdx[i] < batchA, "aIdx out of range");
  }
  if (bIdx) {
    CHECK(env, (long)lib >= batch, "bIdx too short");
    for (long i = 0; i < batch; i++) CHECK(env, bIdx[i] >= 0 && bIdx[i] < batchB, "bIdx out of range");
  }
  CHECK(env, !bias || lbias == 1 || (long)lbias == N, "bias must have 1 or N values");
  unsigned csr = lg_ftz_begin();
  lg_matmul(a, b, out, batch, batchA, batchB, aIdx, bIdx, M, N, K, transA, transB, bias, (long)lbias,
            act, alpha);
  lg_ftz_end(csr);
  return NULL;
}

// Largest element offset reached by strides over shape, for bounds checks.
static long max_offset(int rank, const int32_t *shape, const int32_t *st) {
  long off = 0;
  for (int d = 0; d < rank; d++) off += (long)(shape[d] - 1) * st[d];
  return off;
}

static long shape_size(int rank, const int32_t *shape) {
  long n = 1;
  for (int d = 0; d < rank; d++) n *= shape[d];
  return n;
}

// binary(op, shape, a, aStrides, b, bStrides, out)
static napi_value js_binary(napi_env env, napi_callback_info info) {
  call_t c;
  if (!get_args(env, info, &c, 7)) return NULL;
  size_t lshape, la, lsa, lb, lsb, lo;
  int op = (int)num(&c, 0);
  const int32_t *shape = typed(&c, 1, napi_int32_array, &lshape);
  const float *a = typed(&c, 2, napi_float32_array, &la);
  const int32_t *sa = typed(&c, 3, napi_int32_array, &lsa);
  const float *b = typed(&c, 4, napi_float32_array, &lb);
  const int32_t *sb = typed(&c, 5, napi_int32_array, &lsb);
  float *out = typed(&c, 6, napi_float32_array, &lo);
  if (c.failed) return NULL;
  int rank = (int)lshape;
  CHECK(env, rank >= 1 && rank <= MAX_RANK && lsa == lshape && lsb == lshape, "bad rank/strides");
  CHECK(env, op >= 0 && op <= LG_BIN_SQDIFF, "unknown binary op");
  for (int d = 0; d < rank; d++) CHECK(env, shape[d] >= 0 && sa[d] >= 0 && sb[d] >= 0, "negative dim/stride");
  long n = shape_size(rank, shape);
  CHECK(env, (long)lo >= n, "output buffer too small");
  if (n == 0) return NULL;
  CHECK(env, max_offset(rank, shape, sa) < (long)la && max_offset(rank, shape, sb) < (long)lb,
        "input buffer too small for its strides");
  unsigned csr = lg_ftz_begin();
  lg_binary(op, rank, shape, a, sa, b, sb, out);
  lg_ftz_end(csr);
  return NULL;
}

// unary(op, x, out)
static napi_value js_unary(napi_env env, napi_callback_info info) {
  call_t c;
  if (!get_args(env, info, &c, 3)) return NULL;
  size_t lx, lo;
  int op = (int)num(&c, 0);
  const float *x = typed(&c, 1, napi_float32_array, &lx);
  float *out = typed(&c, 2, napi_float32_array, &lo);
  if (c.failed) return NULL;
  CHECK(env, op >= 0 && op <= LG_UN_RECIPROCAL, "unknown unary op");
  CHECK(env, lo >= lx, "output buffer too small");
  unsigned csr = lg_ftz_begin();
  lg_unary(op, (long)lx, x, out);
  lg_ftz_end(csr);
  return NULL;
}

// softmax(rows, n, x, out)
static napi_value js_softmax(napi_env env, napi_callback_info info) {
  call_t c;
  if (!get_args(env, info, &c, 4)) return NULL;
  size_t lx, lo;
  long rows = num(&c, 0), n = num(&c, 1);
  const float *x = typed(&c, 2, napi_float32_array, &lx);
  float *out = typed(&c, 3, napi_float32_array, &lo);
  if (c.failed) return NULL;
  CHECK(env, rows >= 0 && n >= 0 && (long)lx >= rows * n && (long)lo >= rows * n, "bad softmax sizes");
  unsigned csr = lg_ftz_begin();
  lg_softmax(rows, n, x, out);
  lg_ftz_end(csr);
  return NULL;
}

// reduce(op, outer, reduce, inner, x, out)
static napi_value js_reduce(napi_env env, napi_callback_info info) {
  call_t c;
  if (!get_args(env, info, &c, 6)) return NULL;
  size_t lx, lo;
  int op = (int)num(&c, 0);
  long outer = num(&c, 1), reduce = num(&c, 2), inner = num(&c, 3);
  const float *x = typed(&c, 4, napi_float32_array, &lx);
  float *out = typed(&c, 5, napi_float32_array, &lo);
  if (c.failed) return NULL;
  CHECK(env, op >= 0 && op <= LG_RED_MEAN, "unknown reduce op");
  CHECK(env, outer >= 0 && reduce >= 0 && inner >= 0, "negative size");
  CHECK(env, (long)lx >= outer * reduce * inner && (long)lo >= outer * inner, "bad reduce sizes");
  unsigned csr = lg_ftz_begin();
  lg_reduce(op, outer, reduce, inner, x, out);
  lg_ftz_end(csr);
  return NULL;
}

// transpose(shape, inStrides, x, out)
static napi_value js_transpose(napi_env env, napi_callback_info info) {
  call_t c;
  if (!get_args(env, info, &c, 4)) return NULL;
  size_t lshape, lst, lx, lo;
  const int32_t *shape = typed(&c, 0, napi_int32_array, &lshape);
  const int32_t *st = typed(&c, 1, napi_int32_array, &lst);
  const float *x = typed(&c, 2, napi_float32_array, &lx);
  float *out = typed(&c, 3, napi_float32_array, &lo);
  if (c.failed) return NULL;
  int rank = (int)lshape;
  CHECK(env, rank >= 1 && rank <= MAX_RANK && lst == lshape, "bad rank/strides");
  for (int d = 0; d < rank; d++) CHECK(env, shape[d] >= 0 && st[d] >= 0, "negative dim/stride");
  long n = shape_size(rank, shape);
  CHECK(env, (long)lo >= n, "output buffer too small");
  if (n == 0) return NULL;
  CHECK(env, max_offset(rank, shape, st) < (long)lx, "input buffer too small for its strides");
  unsigned csr = lg_ftz_begin();
  lg_transpose(rank, shape, st, x, out);
  lg_ftz_end(csr);
  return NULL;
}

// adam(var, grad, m, v, outVar, outM, outV, lr, beta1, beta2, eps, bc1, bc2)
static napi_value js_adam(napi_env env, napi_callback_info info) {
  call_t c;
  if (!get_args(env, info, &c, 13)) return NULL;
  size_t l[7];
  const float *var = typed(&c, 0, napi_float32_array, &l[0]);
  const float *g = typed(&c, 1, napi_float32_array, &l[1]);
  const float *m = typed(&c, 2, napi_float32_array, &l[2]);
  const float *v = typed(&c, 3, napi_float32_array, &l[3]);
  float *ovar = typed(&c, 4, napi_float32_array, &l[4]);
  float *om = typed(&c, 5, napi_float32_array, &l[5]);
  float *ov = typed(&c, 6, napi_float32_array, &l[6]);
  float lr = fnum(&c, 7), b1 = fnum(&c, 8), b2 = fnum(&c, 9), eps = fnum(&c, 10), bc1 = fnum(&c, 11),
        bc2 = fnum(&c, 12);
  if (c.failed) return NULL;
  for (int i = 1; i < 7; i++) CHECK(env, l[i] == l[0], "adam buffers must have equal lengths");
  unsigned csr = lg_ftz_begin();
  lg_adam((long)l[0], var, g, m, v, ovar, om, ov, lr, b1, b2, eps, bc1, bc2);
  lg_ftz_end(csr);
  return NULL;
}

// lmmForward(dims [nLayers, d, H, F, V, Smax, B], W, slopes, K, V, cacheLen, freeLen, x,
//            rowOf, outRows, logits, threads): the fused decoder (lmm.c).
static napi_value js_lmm_forward(napi_env env, napi_callback_info info) {
  call_t c;
  if (!get_args(env, info, &c, 12)) return NULL;
  size_t ldims, lw, lsl, lk, lv, lcl, lfl, lx, lrow, lout, llog;
  const int32_t *dims = typed(&c, 0, napi_int32_array, &ldims);
  const float *W = typed(&c, 1, napi_float32_array, &lw);
  const float *slopes = typed(&c, 2, napi_float32_array, &lsl);
  float *K = typed(&c, 3, napi_float32_array, &lk);
  float *V = typed(&c, 4, napi_float32_array, &lv);
  int32_t *cacheLen = typed(&c, 5, napi_int32_array, &lcl);
  const int32_t *freeLen = typed(&c, 6, napi_int32_array, &lfl);
  const float *x = typed(&c, 7, napi_float32_array, &lx);
  const int32_t *rowOf = typed(&c, 8, napi_int32_array, &lrow);
  const int32_t *outRows = typed(&c, 9, napi_int32_array, &lout);
  float *logits = typed(&c, 10, napi_float32_array, &llog);
  long threads = num(&c, 11);
  if (c.failed) return NULL;
  CHECK(env, ldims == 7, "dims must hold 7 values");
  for (int i = 0; i < 7; i++) CHECK(env, dims[i] > 0, "dims must be positive");
  lg_lmm_dims m = {dims[0], dims[1], dims[2], dims[3], dims[4], dims[5], dims[6]};
  CHECK(env, m.d % m.H == 0, "d must be a multiple of H");
  CHECK(env, threads >= 1 && threads <= 256, "threads must be in 1..256");
  CHECK(env, (long)lw == lg_lmm_weight_floats(&m), "packed weights have the wrong length");
  CHECK(env, (long)lsl >= m.H, "slopes need one value per head");
  const long cache = (long)m.nLayers * m.B * m.d * m.Smax;
  CHECK(env, (long)lk >= cache && (long)lv >= cache, "KV cache buffers too small");
  CHECK(env, (long)lcl >= m.B && (long)lfl >= m.B, "cacheLen/freeLen need one value per cache row");
  for (long b = 0; b < m.B; b++) CHECK(env, cacheLen[b] >= 0 && cacheLen[b] <= m.Smax && freeLen[b] >= 0, "bad cacheLen/freeLen");
  const long N = (long)lrow, M = (long)lout;
  CHECK(env, (long)lx >= N * m.d, "x too small for its rows");
  CHECK(env, (long)llog >= M * m.V, "logits buffer too small");
  for (long k = 0; k < M; k++) CHECK(env, outRows[k] >= 0 && outRows[k] < N, "outRows out of range");
  int32_t *pos = (int32_t *)malloc(sizeof(int32_t) * (N > 0 ? N : 1));
  CHECK(env, pos, "out of memory");
  if (lg_lmm_positions(&m, cacheLen, rowOf, N, pos) != 0) {
    free(pos);
    CHECK(env, 0, "rowOf out of range, or a cache row is full (Smax)");
  }
  unsigned csr = lg_ftz_begin();
  int rc = lg_lmm_forward(&m, W, slopes, K, V, cacheLen, freeLen, x, rowOf, pos, N, outRows, M, logits, (int)threads);
  lg_ftz_end(csr);
  free(pos);
  CHECK(env, rc == 0, "out of memory");
  return NULL;
}

// lnForward(d, x, g, b, y, stats): LayerNorm over rows of width d (train.c).
static napi_value js_ln_forward(napi_env env, napi_callback_info info) {
  call_t c;
  if (!get_args(env, info, &c, 6)) return NULL;
  size_t lx, lg, lb, ly, ls;
  long d = num(&c, 0);
  const float *x = typed(&c, 1, napi_float32_array, &lx);
  const float *g = typed(&c, 2, napi_float32_array, &lg);
  const float *b = typed(&c, 3, napi_float32_array, &lb);
  float *y = typed(&c, 4, napi_float32_array, &ly);
  float *stats = typed(&c, 5, napi_float32_array, &ls);
  if (c.failed) return NULL;
  CHECK(env, d > 0 && lx % d == 0, "x must hold whole rows of width d");
  const long N = (long)lx / d;
  CHECK(env, (long)lg == d && (long)lb == d, "g and b need d values");
  CHECK(env, ly >= lx && (long)ls >= 2 * N, "y or stats too small");
  unsigned csr = lg_ftz_begin();
  lg_ln_forward(N, d, x, g, b, y, stats);
  lg_ftz_end(csr);
  return NULL;
}

// lnBackward(d, dy, x, g, stats, dx, dg, db)
static napi_value js_ln_backward(napi_env env, napi_callback_info info) {
  call_t c;
  if (!get_args(env, info, &c, 8)) return NULL;
  size_t ldy, lx, lg, ls, ldx, ldg, ldb;
  long d = num(&c, 0);
  const float *dy = typed(&c, 1, napi_float32_array, &ldy);
  const float *x = typed(&c, 2, napi_float32_array, &lx);
  const float *g = typed(&c, 3, napi_float32_array, &lg);
  const float *stats = typed(&c, 4, napi_float32_array, &ls);
  float *dx = typed(&c, 5, napi_float32_array, &ldx);
  float *dg = typed(&c, 6, napi_float32_array, &ldg);
  float *db = typed(&c, 7, napi_float32_array, &ldb);
  if (c.failed) return NULL;
  CHECK(env, d > 0 && lx % d == 0, "x must hold whole rows of width d");
  const long N = (long)lx / d;
  CHECK(env, ldy >= lx && ldx >= lx && (long)ls >= 2 * N, "dy, dx or stats too small");
  CHECK(env, (long)lg == d && (long)ldg >= d && (long)ldb >= d, "g, dg and db need d values");
  unsigned csr = lg_ftz_begin();
  int rc = lg_ln_backward(N, d, dy, x, g, stats, dx, dg, db);
  lg_ftz_end(csr);
  CHECK(env, rc == 0, "out of memory");
  return NULL;
}

// geluForward(x, y)
static napi_value js_gelu_forward(napi_env env, napi_callback_info info) {
  call_t c;
  if (!get_args(env, info, &c, 2)) return NULL;
  size_t lx, ly;
  const float *x = typed(&c, 0, napi_float32_array, &lx);
  float *y = typed(&c, 1, napi_float32_array, &ly);
  if (c.failed) return NULL;
  CHECK(env, ly >= lx, "y too small");
  unsigned csr = lg_ftz_begin();
  lg_gelu_forward((long)lx, x, y);
  lg_ftz_end(csr);
  return NULL;
}

// geluBackward(x, dy, dx)
static napi_value js_gelu_backward(napi_env env, napi_callback_info info) {
  call_t c;
  if (!get_args(env, info, &c, 3)) return NULL;
  size_t lx, ldy, ldx;
  const float *x = typed(&c, 0, napi_float32_array, &lx);
  const float *dy = typed(&c, 1, napi_float32_array, &ldy);
  float *dx = typed(&c, 2, napi_float32_array, &ldx);
  if (c.failed) return NULL;
  CHECK(env, ldy >= lx && ldx >= lx, "dy or dx too small");
  unsigned csr = lg_ftz_begin();
  lg_gelu_backward((long)lx, x, dy, dx);
  lg_ftz_end(csr);
  return NULL;
}

// Checks shared by the attention bindings: dims [d, H], rowStart [rows + 1] increasing from
// 0 to N (the tokens of qkv [N, 3d]). Returns rows, or -1 (exception pending).
static long attn_rows(napi_env env, const int32_t *dims, size_t ldims, const int32_t *rowStart, size_t lrs, size_t lqkv,
                      long *N) {
  if (ldims != 2 || dims[0] <= 0 || dims[1] <= 0 || dims[0] % dims[1] != 0) {
    napi_throw_error(env, "LG_NATIVE", "dims must be [d, H] with d a multiple of H");
    return -1;
  }
  if (lrs < 1 || rowStart[0] != 0) {
    napi_throw_error(env, "LG_NATIVE", "rowStart must start at 0");
    return -1;
  }
  const long rows = (long)lrs - 1;
  for (long b = 0; b < rows; b++) {
    if (rowStart[b + 1] < rowStart[b]) {
      napi_throw_error(env, "LG_NATIVE", "rowStart must not decrease");
      return -1;
    }
  }
  *N = rowStart[rows];
  if ((long)lqkv != *N * 3 * dims[0]) {
    napi_throw_error(env, "LG_NATIVE", "qkv must be [N, 3d] with N = rowStart[rows]");
    return -1;
  }
  return rows;
}

// attnForward(dims [d, H], rowStart, freeN, slopes, qkv, out, P)
static napi_value js_attn_forward(napi_env env, napi_callback_info info) {
  call_t c;
  if (!get_args(env, info, &c, 7)) return NULL;
  size_t ldims, lrs, lfree, lsl, lqkv, lout, lp;
  const int32_t *dims = typed(&c, 0, napi_int32_array, &ldims);
  const int32_t *rowStart = typed(&c, 1, napi_int32_array, &lrs);
  const int32_t *freeN = typed(&c, 2, napi_int32_array, &lfree);
  const float *slopes = typed(&c, 3, napi_float32_array, &lsl);
  const float *qkv = typed(&c, 4, napi_float32_array, &lqkv);
  float *out = typed(&c, 5, napi_float32_array, &lout);
  float *P = typed(&c, 6, napi_float32_array, &lp);
  if (c.failed) return NULL;
  long N;
  const long rows = attn_rows(env, dims, ldims, rowStart, lrs, lqkv, &N);
  if (rows < 0) return NULL;
  const long d = dims[0], H = dims[1];
  CHECK(env, (long)lfree >= rows && (long)lsl >= H, "freeN needs one value per row, slopes one per head");
  CHECK(env, (long)lout >= N * d, "out too small");
  CHECK(env, (long)lp >= lg_attn_prob_floats(rows, rowStart, H), "P too small");
  unsigned csr = lg_ftz_begin();
  lg_attn_forward(rows, rowStart, freeN, d, H, slopes, qkv, out, P);
  lg_ftz_end(csr);
  return NULL;
}

// attnBackward(dims [d, H], rowStart, qkv, P, dout, dqkv)
static napi_value js_attn_backward(napi_env env, napi_callback_info info) {
  call_t c;
  if (!get_args(env, info, &c, 6)) return NULL;
  size_t ldims, lrs, lqkv, lp, ldo, ldq;
  const int32_t *dims = typed(&c, 0, napi_int32_array, &ldims);
  const int32_t *rowStart = typed(&c, 1, napi_int32_array, &lrs);
  const float *qkv = typed(&c, 2, napi_float32_array, &lqkv);
  const float *P = typed(&c, 3, napi_float32_array, &lp);
  const float *dout = typed(&c, 4, napi_float32_array, &ldo);
  float *dqkv = typed(&c, 5, napi_float32_array, &ldq);
  if (c.failed) return NULL;
  long N;
  const long rows = attn_rows(env, dims, ldims, rowStart, lrs, lqkv, &N);
  if (rows < 0) return NULL;
  const long d = dims[0], H = dims[1];
  CHECK(env, (long)lp >= lg_attn_prob_floats(rows, rowStart, H), "P too small");
  CHECK(env, (long)ldo >= N * d && ldq >= lqkv, "dout or dqkv too small");
  unsigned csr = lg_ftz_begin();
  int rc = lg_attn_backward(rows, rowStart, d, H, qkv, P, dout, dqkv);
  lg_ftz_end(csr);
  CHECK(env, rc == 0, "out of memory");
  return NULL;
}

// tokenLogProbs(V, logits, targets, invT, logp, ent)
static napi_value js_token_logprobs(napi_env env, napi_callback_info info) {
  call_t c;
  if (!get_args(env, info, &c, 6)) return NULL;
  size_t llog, lt, llp, le;
  long V = num(&c, 0);
  const float *logits = typed(&c, 1, napi_float32_array, &llog);
  const int32_t *targets = typed(&c, 2, napi_int32_array, &lt);
  float invT = fnum(&c, 3);
  float *logp = typed(&c, 4, napi_float32_array, &llp);
  float *ent = typed(&c, 5, napi_float32_array, &le);
  if (c.failed) return NULL;
  const long M = (long)lt;
  CHECK(env, V > 0 && (long)llog >= M * V, "logits must be [M, V] for M targets");
  CHECK(env, (long)llp >= M && (long)le >= M, "logp or ent too small");
  for (long i = 0; i < M; i++) CHECK(env, targets[i] >= 0 && targets[i] < V, "target out of range");
  unsigned csr = lg_ftz_begin();
  lg_token_logprobs(M, V, logits, targets, invT, logp, ent);
  lg_ftz_end(csr);
  return NULL;
}

// tokenLogProbsBackward(V, logits, targets, invT, dlogp, dent|null, dlogits)
static napi_value js_token_logprobs_backward(napi_env env, napi_callback_info info) {
  call_t c;
  if (!get_args(env, info, &c, 7)) return NULL;
  size_t llog, lt, ldl, lde = 0, ldz;
  long V = num(&c, 0);
  const float *logits = typed(&c, 1, napi_float32_array, &llog);
  const int32_t *targets = typed(&c, 2, napi_int32_array, &lt);
  float invT = fnum(&c, 3);
  const float *dlogp = typed(&c, 4, napi_float32_array, &ldl);
  const float *dent = is_nullish(&c, 5) ? NULL : typed(&c, 5, napi_float32_array, &lde);
  float *dlogits = typed(&c, 6, napi_float32_array, &ldz);
  if (c.failed) return NULL;
  const long M = (long)lt;
  CHECK(env, V > 0 && (long)llog >= M * V && (long)ldz >= M * V, "logits and dlogits must be [M, V] for M targets");
  CHECK(env, (long)ldl >= M && (!dent || (long)lde >= M), "dlogp or dent too small");
  for (long i = 0; i < M; i++) CHECK(env, targets[i] >= 0 && targets[i] < V, "target out of range");
  unsigned csr = lg_ftz_begin();
  lg_token_logprobs_backward(M, V, logits, targets, invT, dlogp, dent, dlogits);
  lg_ftz_end(csr);
  return NULL;
}

static napi_value js_set_threads(napi_env env, napi_callback_info info) {
  call_t c;
  if (!get_args(env, info, &c, 1)) return NULL;
  long n = num(&c, 0);
  if (c.failed) return NULL;
  CHECK(env, n >= 1 && n <= 256, "threads must be in 1..256");
  lg_set_threads((int)n);
  return NULL;
}

static napi_value js_set_small_gemm_limit(napi_env env, napi_callback_info info) {
  call_t c;
  if (!get_args(env, info, &c, 1)) return NULL;
  long n = num(&c, 0);
  if (c.failed) return NULL;
  lg_set_small_gemm_limit(n);
  return NULL;
}

static napi_value js_get_threads(napi_env env, napi_callback_info info) {
  napi_value out;
  napi_create_int32(env, lg_get_threads(), &out);
  return out;
}

// CPU milliseconds used by the calling thread: on a shared machine this measures the
// work of single-threaded runs without the time spent waiting for a core.
static napi_value js_thread_cpu_ms(napi_env env, napi_callback_info info) {
  struct timespec ts;
  napi_value out;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  napi_create_double(env, ts.tv_sec * 1e3 + ts.tv_nsec / 1e6, &out);
  return out;
}

static napi_value js_info(napi_env env, napi_callback_info info) {
  napi_value obj, v;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "blasConfig", v);
  napi_create_string_utf8(env, openblas_get_corename(), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "blasCore", v);
  napi_create_int32(env, openblas_get_num_procs(), &v);
  napi_set_named_property(env, obj, "procs", v);
  napi_create_int32(env, lg_get_threads(), &v);
  napi_set_named_property(env, obj, "threads", v);
  return obj;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"matmul", 0, js_matmul, 0, 0, 0, napi_enumerable, 0},
      {"binary", 0, js_binary, 0, 0, 0, napi_enumerable, 0},
      {"unary", 0, js_unary, 0, 0, 0, napi_enumerable, 0},
      {"softmax", 0, js_softmax, 0, 0, 0, napi_enumerable, 0},
      {"reduce", 0, js_reduce, 0, 0, 0, napi_enumerable, 0},
      {"transpose", 0, js_transpose, 0, 0, 0, napi_enumerable, 0},
      {"adam", 0, js_adam, 0, 0, 0, napi_enumerable, 0},
      {"lmmForward", 0, js_lmm_forward, 0, 0, 0, napi_enumerable, 0},
      {"lnForward", 0, js_ln_forward, 0, 0, 0, napi_enumerable, 0},
      {"lnBackward", 0, js_ln_backward, 0, 0, 0, napi_enumerable, 0},
      {"geluForward", 0, js_gelu_forward, 0, 0, 0, napi_enumerable, 0},
      {"geluBackward", 0, js_gelu_backward, 0, 0, 0, napi_enumerable, 0},
      {"attnForward", 0, js_attn_forward, 0, 0, 0, napi_enumerable, 0},
      {"attnBackward", 0, js_attn_backward, 0, 0, 0, napi_enumerable, 0},
      {"tokenLogProbs", 0, js_token_logprobs, 0, 0, 0, napi_enumerable, 0},
      {"tokenLogProbsBackward", 0, js_token_logprobs_backward, 0, 0, 0, napi_enumerable, 0},
      {"setThreads", 0, js_set_threads, 0, 0, 0, napi_enumerable, 0},
      {"getThreads", 0, js_get_threads, 0, 0, 0, napi_enumerable, 0},
      {"setSmallGemmLimit", 0, js_set_small_gemm_limit, 0, 0, 0, napi_enumerable, 0},
      {"info", 0, js_info, 0, 0, 0, napi_enumerable, 0},
      {"threadCpuMs", 0, js_thread_cpu_ms, 0, 0, 0, napi_enumerable, 0},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  // Start with OpenBLAS's own default (OPENBLAS_NUM_THREADS or all cores); the JS side
  // calls setThreads with the configured count.
  lg_set_threads(openblas_get_num_threads());
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
