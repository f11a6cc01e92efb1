// The fused decoder of agents/model (issue 13): the whole pre-LN transformer stack of
// LmmModel for a packed batch of new tokens against a per-row KV cache, in one native
// call instead of dozens of tfjs kernels per layer. Generation runs it once for the
// prompts (prefill) and once per sampled token. agents/model/fused.ts has the same
// computation in TypeScript (the reference the tests compare this against) and the
// buffer layouts, which must stay in step with this file.
//
// Per layer: LayerNorm -> QKV projection -> the new keys/values go into the cache ->
// causal attention over the row's cache (ALiBi bias -slope * distance, none on the first
// freeLen[b] keys = the image when alibiOnImage is off) -> output projection + residual ->
// LayerNorm -> feed-forward with GELU x * sigmoid(1.702 x) + residual. Then the final
// LayerNorm and the tied vocabulary head for the requested rows. In the last layer only
// the requested rows go past attention (the others only leave their keys/values).
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "lg_math.h"
#include "pool.h"

long lg_lmm_layer_floats(const lg_lmm_dims *m) {
  const long d = m->d, F = m->F;
  return 4 * d * d + 2 * d * F + 9 * d + F;
}

long lg_lmm_weight_floats(const lg_lmm_dims *m) {
  return m->nLayers * lg_lmm_layer_floats(m) + 2L * m->d + (long)m->V * m->d;
}

typedef struct {
  const float *ln1_g, *ln1_b, *qkv_w, *qkv_b, *out_w, *out_b, *ln2_g, *ln2_b, *ff1_w, *ff1_b, *ff2_w, *ff2_b;
} layer_w;

static layer_w layer_weights(const lg_lmm_dims *m, const float *W, int l) {
  const long d = m->d, F = m->F;
  const float *p = W + l * lg_lmm_layer_floats(m);
  layer_w w;
  w.ln1_g = p; p += d;
  w.ln1_b = p; p += d;
  w.qkv_w = p; p += d * 3 * d;
  w.qkv_b = p; p += 3 * d;
  w.out_w = p; p += d * d;
  w.out_b = p; p += d;
  w.ln2_g = p; p += d;
  w.ln2_b = p; p += d;
  w.ff1_w = p; p += d * F;
  w.ff1_b = p; p += F;
  w.ff2_w = p; p += F * d;
  w.ff2_b = p;
  return w;
}

int lg_lmm_positions(const lg_lmm_dims *m, const int32_t *cacheLen, const int32_t *rowOf, long N, int32_t *pos) {
  int32_t *next = (int32_t *)malloc(sizeof(int32_t) * (m->B > 0 ? m->B : 1));
  if (!next) return -1;
  memcpy(next, cacheLen, sizeof(int32_t) * m->B);
  int ok = 1;
  for (long i = 0; i < N && ok; i++) {
    const int32_t b = rowOf[i];
    if (b < 0 || b >= m->B || next[b] >= m->Smax) ok = 0;
    else pos[i] = next[b]++;
  }
  free(next);
  return ok ? 0 : -1;
}

// C[rows, n] = A[rows, k] @ B[k, n] + bias (beta 0), or C += A @ B + bias (accumulate).
static void linear(const float *A, long rows, long k, const float *B, long n, const float *bias, float *C, int accumulate) {
  if (rows <= 0) return;
  if (!accumulate) {
    for (long r = 0; r < rows; r++) memcpy(C + r * n, bias, sizeof(float) * n);
  } else {
    for (long r = 0; r < rows; r++) {
      float *c = C + r * n;
      for (long j = 0; j < n; j++) c[j] += bias[j];
    }
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)n, (int)k, 1.f, A, (int)k, B, (int)n,
              1.f, C, (int)n);
}

LG_CLONES
static void gelu(float *x, long n) {
  for (long i = 0; i < n; i++) {
    const float v = x[i];
    x[i] = v * (1.f / (1.f + lg_expf(-(v * 1.702f))));
  }
}

// Scores s[0..S) of one query (the last of S positions) -> attention probabilities:
// ALiBi bias -slope * distance except on the first freeN keys, then softmax.
static inline __attribute__((always_inline)) void bias_softmax(float *s, long S, long freeN, float slope) {
  const long last = S - 1;
  for (long j = freeN < S ? freeN : S; j < S; j++) s[j] += -slope * (float)(last - j);
  // Max and sum in 16 lanes so the loops vectorise (a float reduction in the exp loop
  // would keep lg_expf scalar).
  float lane[16];
  long j = 0;
  for (int k = 0; k < 16; k++) lane[k] = -INFINITY;
  for (; j + 16 <= S; j += 16)
    for (int k = 0; k < 16; k++) lane[k] = s[j + k] > lane[k] ? s[j + k] : lane[k];
  float mx = -INFINITY;
  for (int k = 0; k < 16; k++) mx = lane[k] > mx ? lane[k] : mx;
  for (; j < S; j++) mx = s[j] > mx ? s[j] : mx;
  for (j = 0; j < S; j++) s[j] = lg_expf(s[j] - mx);
  for (int k = 0; k < 16; k++) lane[k] = 0.f;
  for (j = 0; j + 16 <= S; j += 16)
    for (int k = 0; k < 16; k++) lane[k] += s[j + k];
  float sum = 0.f;
  for (int k = 0; k < 16; k++) sum += lane[k];
  for (; j < S; j++) sum += s[j];
  const float inv = 1.f / sum;
  for (j = 0; j < S; j++) s[j] *= inv;
}

typedef float v16 __attribute__((vector_size(64)));

static inline __attribute__((always_inline)) v16 load16(const float *p) {
  v16 v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline __attribute__((always_inline)) void store16(float *p, v16 v) { memcpy(p, &v, sizeof v); }

// One query row of one head against its row's cache: Kt [dh][Smax] (keys transposed),
// Vh [Smax][dh]; keys 0..S-1 are visible. s: S floats of scratch; out: dh floats. The
// accumulators stay in registers, several independent ones in flight (a loop that adds
// into memory chains every step through a store and a reload).
LG_CLONES
static void attend(const float *q, const float *Kt, const float *Vh, long S, long Smax, long dh, long freeN,
                   float slope, float scale, float *s, float *out) {
  long j = 0;
  for (; j + 64 <= S; j += 64) {
    v16 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
    for (long e = 0; e < dh; e++) {
      const float qe = q[e] * scale;
      const float *kr = Kt + e * Smax + j;
      a0 += qe * load16(kr);
      a1 += qe * load16(kr + 16);
      a2 += qe * load16(kr + 32);
      a3 += qe * load16(kr + 48);
    }
    store16(s + j, a0);
    store16(s + j + 16, a1);
    store16(s + j + 32, a2);
    store16(s + j + 48, a3);
  }
  for (; j + 16 <= S; j += 16) {
    v16 a0 = {0};
    for (long e = 0; e < dh; e++) a0 += (q[e] * scale) * load16(Kt + e * Smax + j);
    store16(s + j, a0);
  }
  for (; j < S; j++) {
    float a = 0.f;
    for (long e = 0; e < dh; e++) a += (q[e] * scale) * Kt[e * Smax + j];
    s[j] = a;
  }
  bias_softmax(s, S, freeN, slope);
  long e0 = 0;
  for (; e0 + 32 <= dh; e0 += 32) {
    v16 x0 = {0}, x1 = {0}, y0 = {0}, y1 = {0};
    long k = 0;
    for (; k + 2 <= S; k += 2) {
      const float *v0 = Vh + k * dh + e0, *v1 = v0 + dh;
      x0 += s[k] * load16(v0);
      x1 += s[k] * load16(v0 + 16);
      y0 += s[k + 1] * load16(v1);
      y1 += s[k + 1] * load16(v1 + 16);
    }
    if (k < S) {
      x0 += s[k] * load16(Vh + k * dh + e0);
      x1 += s[k] * load16(Vh + k * dh + e0 + 16);
    }
    store16(out + e0, x0 + y0);
    store16(out + e0 + 16, x1 + y1);
  }
  for (; e0 + 16 <= dh; e0 += 16) {
    v16 x0 = {0}, y0 = {0};
    long k = 0;
    for (; k + 2 <= S; k += 2) {
      x0 += s[k] * load16(Vh + k * dh + e0);
      y0 += s[k + 1] * load16(Vh + (k + 1) * dh + e0);
    }
    if (k < S) x0 += s[k] * load16(Vh + k * dh + e0);
    store16(out + e0, x0 + y0);
  }
  for (; e0 < dh; e0++) {
    float a = 0.f;
    for (long k = 0; k < S; k++) a += s[k] * Vh[k * dh + e0];
    out[e0] = a;
  }
}

// Rows of P [t][S]: row r is the query at position p0 + r (keys 0..p0 + r visible); the
// keys after it are zeroed so the product with V ignores them.
LG_CLONES
static void block_softmax(float *P, long t, long S, long p0, long freeN, float slope) {
  for (long r = 0; r < t; r++) {
    float *row = P + r * S;
    const long Sr = p0 + r + 1;
    bias_softmax(row, Sr, freeN, slope);
    for (long j = Sr; j < S; j++) row[j] = 0.f;
  }
}

// Prefill runs of consecutive positions of one row attend with two sgemm per head (the
// causal upper triangle is computed and zeroed) once they are this long.
#define LG_BLOCK_ATTEND 8

typedef struct {
  const lg_lmm_dims *m;
  const float *W, *slopes;
  float *K, *Vc;
  const int32_t *cacheLen0, *freeLen, *rowOf, *pos, *outRows;
  long N, M;
  float *h, *a, *qkv, *mix, *ff, *hc, *logits;
  int layer;
  volatile int failed;
} fwd_ctx;

// Rows [begin, end) of the packed tokens: LayerNorm, QKV, keys/values into the cache.
static void phase_qkv(void *vctx, long begin, long end) {
  const fwd_ctx *c = (const fwd_ctx *)vctx;
  const lg_lmm_dims *m = c->m;
  const long d = m->d, H = m->H, dh = d / H, Smax = m->Smax, l = c->layer;
  const layer_w w = layer_weights(m, c->W, c->layer);
  const long rows = end - begin;
  lg_ln_forward(rows, d, c->h + begin * d, w.ln1_g, w.ln1_b, c->a + begin * d, NULL);
  linear(c->a + begin * d, rows, d, w.qkv_w, 3 * d, w.qkv_b, c->qkv + begin * 3 * d, 0);
  for (long i = begin; i < end; i++) {
    const long b = c->rowOf[i], p = c->pos[i];
    const float *k = c->qkv + i * 3 * d + d, *v = k + d;
    for (long hh = 0; hh < H; hh++) {
      float *Kt = c->K + ((l * m->B + b) * H + hh) * dh * Smax;
      float *Vh = c->Vc + ((l * m->B + b) * H + hh) * Smax * dh;
      for (long e = 0; e < dh; e++) Kt[e * Smax + p] = k[hh * dh + e];
      memcpy(Vh + p * dh, v + hh * dh, sizeof(float) * dh);
    }
  }
}

// Rows [begin, end) after attention inputs are in the cache: attention, output
// projection, feed-forward. In the last layer the rows are the requested ones (k-th row
// = packed token outRows[k]) and the residual stream is the compact hc.
static void phase_rest(void *vctx, long begin, long end) {
  fwd_ctx *c = (fwd_ctx *)vctx;
  const lg_lmm_dims *m = c->m;
  const long d = m->d, H = m->H, dh = d / H, Smax = m->Smax, F = m->F, l = c->layer;
  const int lastLayer = c->layer == m->nLayers - 1;
  const layer_w w = layer_weights(m, c->W, c->layer);
  const float scale = 1.f / sqrtf((float)dh);
  float *s = (float *)malloc(sizeof(float) * Smax);
  if (!s) {
    c->failed = 1;  // (read after the phase; the rows' outputs are then garbage)
    return;
  }
  float *hb = lastLayer ? c->hc : c->h;
  const long rows = end - begin;
  for (long k = begin; k < end;) {
    const long i = lastLayer ? c->outRows[k] : k;
    if (lastLayer) memcpy(hb + k * d, c->h + i * d, sizeof(float) * d);
    const long b = c->rowOf[i], p0 = c->pos[i];
    long t = 1;
    if (!lastLayer)
      while (k + t < end && c->rowOf[k + t] == b && c->pos[k + t] == p0 + t) t++;
    if (t >= LG_BLOCK_ATTEND) {
      const long S = p0 + t;
      float *P = (float *)malloc(sizeof(float) * t * S);
      if (!P) {
        c->failed = 1;
        break;
      }
      for (long hh = 0; hh < H; hh++) {
        const float *Kt = c->K + ((l * m->B + b) * H + hh) * dh * Smax;
        const float *Vh = c->Vc + ((l * m->B + b) * H + hh) * Smax * dh;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)t, (int)S, (int)dh, scale,
                    c->qkv + i * 3 * d + hh * dh, (int)(3 * d), Kt, (int)Smax, 0.f, P, (int)S);
        block_softmax(P, t, S, p0, c->freeLen[b], c->slopes[hh]);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)t, (int)dh, (int)S, 1.f, P, (int)S, Vh, (int)dh,
                    0.f, c->mix + k * d + hh * dh, (int)d);
      }
      free(P);
      k += t;
      continue;
    }
    for (long hh = 0; hh < H; hh++) {
      const float *Kt = c->K + ((l * m->B + b) * H + hh) * dh * Smax;
      const float *Vh = c->Vc + ((l * m->B + b) * H + hh) * Smax * dh;
      attend(c->qkv + i * 3 * d + hh * dh, Kt, Vh, p0 + 1, Smax, dh, c->freeLen[b], c->slopes[hh], scale, s,
             c->mix + k * d + hh * dh);
    }
    k++;
  }
  free(s);
  linear(c->mix + begin * d, rows, d, w.out_w, d, w.out_b, hb + begin * d, 1);
  lg_ln_forward(rows, d, hb + begin * d, w.ln2_g, w.ln2_b, c->a + begin * d, NULL);
  linear(c->a + begin * d, rows, d, w.ff1_w, F, w.ff1_b, c->ff + begin * F, 0);
  gelu(c->ff + begin * F, rows * F);
  linear(c->ff + begin * F, rows, F, w.ff2_w, d, w.ff2_b, hb + begin * d, 1);
}

// Rows [begin, end) of the requested outputs: final LayerNorm and the tied head.
static void phase_head(void *vctx, long begin, long end) {
  const fwd_ctx *c = (const fwd_ctx *)vctx;
  const lg_lmm_dims *m = c->m;
  const long d = m->d, V = m->V, rows = end - begin;
  const float *tail = c->W + m->nLayers * lg_lmm_layer_floats(m);
  const float *g = tail, *bb = tail + d, *emb = tail + 2 * d;
  lg_ln_forward(rows, d, c->hc + begin * d, g, bb, c->a + begin * d, NULL);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)V, (int)d, 1.f, c->a + begin * d, (int)d, emb,
              (int)d, 0.f, c->logits + begin * V, (int)V);
}

// Split [0, n) over the held pool when there is enough work per part, else inline.
static void run_phase(int parts, long n, long minRows, lg_task_fn fn, void *ctx) {
  if (n <= 0) return;
  if (parts > 1 && n >= 2 * minRows) lg_parallel_for_held(n, (n + parts - 1) / parts, fn, ctx);
  else fn(ctx, 0, n);
}

int lg_lmm_forward(const lg_lmm_dims *m, const float *W, const float *slopes, float *K, float *Vc, int32_t *cacheLen,
                   const int32_t *freeLen, const float *x, const int32_t *rowOf, const int32_t *pos, long N,
                   const int32_t *outRows, long M, float *logits, int threads) {
  const long d = m->d, F = m->F, R = N > M ? N : M;
  float *buf = (float *)malloc(sizeof(float) * (N * d + R * d + N * 3 * d + R * d + R * F + M * d + 16));
  if (!buf) return -1;
  fwd_ctx c = {m, W, slopes, K, Vc, cacheLen, freeLen, rowOf, pos, outRows, N, M, NULL, NULL, NULL, NULL, NULL, NULL, logits, 0, 0};
  c.h = buf;
  c.a = c.h + N * d;
  c.qkv = c.a + R * d;
  c.mix = c.qkv + N * 3 * d;
  c.ff = c.mix + R * d;
  c.hc = c.ff + R * F;
  memcpy(c.h, x, sizeof(float) * N * d);

  // One thread: OpenBLAS single-threaded too (these products are small, and on a busy
  // machine a second BLAS thread waits for a core). More: split the rows over the pool,
  // each part with single-threaded OpenBLAS. Both need the pool (the OpenBLAS thread
  // count is process-wide); when another thread holds it, run as OpenBLAS is set.
  const int blas = lg_get_threads();
  const int held = lg_pool_try_acquire();
  int parts = 1;
  if (held) {
    parts = threads < lg_pool_threads() ? threads : lg_pool_threads();
    if (blas > 1) openblas_set_num_threads(1);
  }
  for (int l = 0; l < m->nLayers; l++) {
    c.layer = l;
    run_phase(parts, N, 4, phase_qkv, &c);
    run_phase(parts, l == m->nLayers - 1 ? M : N, 4, phase_rest, &c);
  }
  run_phase(parts, M, 4, phase_head, &c);
  if (held) {
    if (blas > 1) openblas_set_num_threads(blas);
    lg_pool_release();
  }
  for (long i = 0; i < N; i++) cacheLen[rowOf[i]] = pos[i] + 1 > cacheLen[rowOf[i]] ? pos[i] + 1 : cacheLen[rowOf[i]];
  free(buf);
  return c.failed ? -1 : 0;
}
