// Training kernels of agents/model's packed decoder (issue 13, round 2): forward and
// backward of the pieces that cost dozens of tfjs kernels each (LayerNorm, the GELU,
// causal attention with the ALiBi bias, the log-softmax of the sampled tokens). The
// sequences are packed without padding: row b owns the tokens rowStart[b] ..
// rowStart[b + 1] - 1 of every [N, ...] buffer. agents/model/train-ops.ts wraps each pair
// as a tfjs op with its gradient (tf.customGrad); the matrix products stay tfjs matMuls
// (OpenBLAS through gemm.c). test/model/train-ops.test.ts checks them against tfjs'
// autodiff of the per-op formulas.
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "lg_math.h"

#define LN_EPS 1e-5f

// y = (x - mean) / sqrt(var + eps) * g + b per row of width d (moments as tf.moments:
// mean, then the mean of squared differences); stats[2i] = mean, stats[2i + 1] =
// 1 / sqrt(var + eps) (what the backward pass needs), or stats NULL (inference: lmm.c).
LG_CLONES
void lg_ln_forward(long N, long d, const float *x, const float *g, const float *b, float *y, float *stats) {
  for (long i = 0; i < N; i++) {
    const float *xi = x + i * d;
    float *yi = y + i * d;
    float s = 0.f;
    for (long j = 0; j < d; j++) s += xi[j];
    const float mean = s / (float)d;
    float v = 0.f;
    for (long j = 0; j < d; j++) {
      const float t = xi[j] - mean;
      v += t * t;
    }
    const float rstd = 1.f / sqrtf(v / (float)d + LN_EPS);
    for (long j = 0; j < d; j++) yi[j] = (xi[j] - mean) * rstd * g[j] + b[j];
    if (stats) {
      stats[2 * i] = mean;
      stats[2 * i + 1] = rstd;
    }
  }
}

// dx = rstd * (dy*g - mean(dy*g) - xhat * mean(dy*g*xhat)); dg = sum_i dy*xhat; db = sum_i dy.
// acc: 2d doubles of scratch.
LG_CLONES
static void ln_backward_rows(long N, long d, const float *dy, const float *x, const float *g, const float *stats,
                             float *dx, double *acc) {
  for (long i = 0; i < N; i++) {
    const float *xi = x + i * d, *dyi = dy + i * d;
    float *dxi = dx + i * d;
    const float mean = stats[2 * i], rstd = stats[2 * i + 1];
    float s1 = 0.f, s2 = 0.f;
    for (long j = 0; j < d; j++) {
      const float xh = (xi[j] - mean) * rstd, dg = dyi[j] * g[j];
      s1 += dg;
      s2 += dg * xh;
      acc[j] += (double)(dyi[j] * xh);
      acc[d + j] += (double)dyi[j];
    }
    const float m1 = s1 / (float)d, m2 = s2 / (float)d;
    for (long j = 0; j < d; j++) {
      const float xh = (xi[j] - mean) * rstd;
      dxi[j] = rstd * (dyi[j] * g[j] - m1 - xh * m2);
    }
  }
}

int lg_ln_backward(long N, long d, const float *dy, const float *x, const float *g, const float *stats, float *dx,
                   float *dg, float *db) {
  double *acc = (double *)calloc(2 * (size_t)d + 1, sizeof(double));
  if (!acc) return -1;
  ln_backward_rows(N, d, dy, x, g, stats, dx, acc);
  for (long j = 0; j < d; j++) {
    dg[j] = (float)acc[j];
    db[j] = (float)acc[d + j];
  }
  free(acc);
  return 0;
}

// GELU as the model computes it: x * sigmoid(1.702 x).
LG_CLONES
void lg_gelu_forward(long n, const float *x, float *y) {
  for (long i = 0; i < n; i++) {
    const float v = x[i];
    y[i] = v * (1.f / (1.f + lg_expf(-(v * 1.702f))));
  }
}

// dx = dy * (s + 1.702 x s (1 - s)), s = sigmoid(1.702 x).
LG_CLONES
void lg_gelu_backward(long n, const float *x, const float *dy, float *dx) {
  for (long i = 0; i < n; i++) {
    const float v = x[i], s = 1.f / (1.f + lg_expf(-(v * 1.702f)));
    dx[i] = dy[i] * (s + 1.702f * v * s * (1.f - s));
  }
}

long lg_attn_prob_floats(long rows, const int32_t *rowStart, long H) {
  long n = 0;
  for (long b = 0; b < rows; b++) {
    const long L = rowStart[b + 1] - rowStart[b];
    n += H * L * L;
  }
  return n;
}

// Row i of a row's scores S [L][L] (already scaled) -> probabilities: keys j <= i, ALiBi
// bias -slope * (i - j) except on the first freeN keys, softmax; keys after i are 0.
LG_CLONES
static void causal_softmax_row(float *s, long i, long L, long freeN, float slope) {
  const long S = i + 1;
  for (long j = freeN < S ? freeN : S; j < S; j++) s[j] += -slope * (float)(i - j);
  float mx = -INFINITY;
  for (long j = 0; j < S; j++) mx = s[j] > mx ? s[j] : mx;
  float sum = 0.f;
  for (long j = 0; j < S; j++) {
    const float e = lg_expf(s[j] - mx);
    s[j] = e;
    sum += e;
  }
  const float inv = 1.f / sum;
  for (long j = 0; j < S; j++) s[j] *= inv;
  for (long j = S; j < L; j++) s[j] = 0.f;
}

// Query blocks of this many rows: block [q0, q1) only needs the keys [0, q1), so the
// products skip most of the causal upper triangle (about a third of the work at L ~ 128).
#ifndef LG_ATTN_BLOCK
#define LG_ATTN_BLOCK 32
#endif

// qkv [N, 3d] (q | k | v, heads of width dh = d / H inside each), out [N, d], P: the
// probabilities of every row and head, [row][head][L][L] in row order (entries after the
// query's position are 0).
void lg_attn_forward(long rows, const int32_t *rowStart, const int32_t *freeN, long d, long H, const float *slopes,
                     const float *qkv, float *out, float *P) {
  const long dh = d / H, ld = 3 * d;
  const float scale = 1.f / sqrtf((float)dh);
  long po = 0;
  for (long b = 0; b < rows; b++) {
    const long r0 = rowStart[b], L = rowStart[b + 1] - r0;
    if (L <= 0) continue;
    for (long h = 0; h < H; h++) {
      const float *Q = qkv + r0 * ld + h * dh, *K = Q + d, *V = Q + 2 * d;
      float *S = P + po;
      for (long q0 = 0; q0 < L; q0 += LG_ATTN_BLOCK) {
        const long q1 = q0 + LG_ATTN_BLOCK < L ? q0 + LG_ATTN_BLOCK : L, bq = q1 - q0;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)bq, (int)q1, (int)dh, scale, Q + q0 * ld, (int)ld, K,
                    (int)ld, 0.f, S + q0 * L, (int)L);
        for (long i = q0; i < q1; i++) causal_softmax_row(S + i * L, i, L, freeN[b], slopes[h]);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)bq, (int)dh, (int)q1, 1.f, S + q0 * L, (int)L, V,
                    (int)ld, 0.f, out + (r0 + q0) * d + h * dh, (int)d);
      }
      po += L * L;
    }
  }
}

// dS = P * (dP - rowsum(P * dP)) for query rows q0 .. q0 + bq - 1 (dP rows of width ldp,
// the first q1 columns used), in place over dP.
LG_CLONES
static void softmax_backward(const float *P, long L, float *dP, long ldp, long q0, long bq, long q1) {
  for (long r = 0; r < bq; r++) {
    const long i = q0 + r;
    const float *p = P + i * L;
    float *g = dP + r * ldp;
    float dot = 0.f;
    for (long j = 0; j <= i; j++) dot += p[j] * g[j];
    for (long j = 0; j <= i; j++) g[j] = p[j] * (g[j] - dot);
    for (long j = i + 1; j < q1; j++) g[j] = 0.f;
  }
}

// Gradient of lg_attn_forward: dout [N, d] -> dqkv [N, 3d] (every value written).
int lg_attn_backward(long rows, const int32_t *rowStart, long d, long H, const float *qkv, const float *P,
                     const float *dout, float *dqkv) {
  const long dh = d / H, ld = 3 * d;
  const float scale = 1.f / sqrtf((float)dh);
  long maxL = 0;
  for (long b = 0; b < rows; b++) {
    const long L = rowStart[b + 1] - rowStart[b];
    if (L > maxL) maxL = L;
  }
  float *dP = (float *)malloc(sizeof(float) * (LG_ATTN_BLOCK * maxL + 1));
  if (!dP) return -1;
  long po = 0;
  for (long b = 0; b < rows; b++) {
    const long r0 = rowStart[b], L = rowStart[b + 1] - r0;
    if (L <= 0) continue;
    for (long h = 0; h < H; h++) {
      const float *Q = qkv + r0 * ld + h * dh, *K = Q + d, *V = Q + 2 * d;
      const float *dO = dout + r0 * d + h * dh, *S = P + po;
      float *dQ = dqkv + r0 * ld + h * dh, *dK = dQ + d, *dV = dQ + 2 * d;
      // dK and dV sum over the query blocks.
      for (long i = 0; i < L; i++) {
        memset(dK + i * ld, 0, sizeof(float) * dh);
        memset(dV + i * ld, 0, sizeof(float) * dh);
      }
      for (long q0 = 0; q0 < L; q0 += LG_ATTN_BLOCK) {
        const long q1 = q0 + LG_ATTN_BLOCK < L ? q0 + LG_ATTN_BLOCK : L, bq = q1 - q0;
        // dP = dO V^T; dV += P^T dO
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)bq, (int)q1, (int)dh, 1.f, dO + q0 * d, (int)d, V,
                    (int)ld, 0.f, dP, (int)q1);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)q1, (int)dh, (int)bq, 1.f, S + q0 * L, (int)L,
                    dO + q0 * d, (int)d, 1.f, dV, (int)ld);
        softmax_backward(S, L, dP, q1, q0, bq, q1);
        // dQ = scale dS K; dK += scale dS^T Q
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)bq, (int)dh, (int)q1, scale, dP, (int)q1, K, (int)ld,
                    0.f, dQ + q0 * ld, (int)ld);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)q1, (int)dh, (int)bq, scale, dP, (int)q1, Q + q0 * ld,
                    (int)ld, 1.f, dK, (int)ld);
      }
      po += L * L;
    }
  }
  free(dP);
  return 0;
}

// Max of row z * invT, and sum / weighted sum of e = exp(z * invT - mx): sum e, sum e (z * invT - mx).
LG_CLONES
static void softmax_sums(const float *z, long V, float invT, float *mxOut, double *sumOut, double *wzOut) {
  float mx = -INFINITY;
  for (long v = 0; v < V; v++) mx = z[v] * invT > mx ? z[v] * invT : mx;
  float sum = 0.f, wz = 0.f;
  for (long v = 0; v < V; v++) {
    const float t = z[v] * invT - mx, e = lg_expf(t);
    sum += e;
    wz += e * t;
  }
  *mxOut = mx;
  *sumOut = sum;
  *wzOut = wz;
}

// Per row i of logits [M, V] (divided by the temperature: z = logits * invT): logp[i] =
// log softmax(z)[target[i]], ent[i] = entropy of softmax(z) = lse - sum p z.
void lg_token_logprobs(long M, long V, const float *logits, const int32_t *targets, float invT, float *logp, float *ent) {
  for (long i = 0; i < M; i++) {
    const float *z = logits + i * V;
    float mx;
    double sum, wz;
    softmax_sums(z, V, invT, &mx, &sum, &wz);
    const double lse = log(sum);  // relative to mx
    logp[i] = (float)((double)(z[targets[i]] * invT - mx) - lse);
    ent[i] = (float)(lse - wz / sum);
  }
}

// Gradient: dlogits[i, v] = invT * (dlogp[i] (1[v = t] - p_v) - dent[i] p_v (log p_v + H_i)).
// dent may be NULL (no entropy term).
LG_CLONES
void lg_token_logprobs_backward(long M, long V, const float *logits, const int32_t *targets, float invT,
                                const float *dlogp, const float *dent, float *dlogits) {
  for (long i = 0; i < M; i++) {
    const float *z = logits + i * V;
    float *g = dlogits + i * V;
    float mx;
    double sum, wz;
    softmax_sums(z, V, invT, &mx, &sum, &wz);
    const float lse = (float)log(sum), H = (float)(log(sum) - wz / sum);
    const float a = dlogp[i] * invT, c = (dent ? dent[i] : 0.f) * invT;
    for (long v = 0; v < V; v++) {
      const float lp = (z[v] * invT - mx) - lse, p = lg_expf(lp);
      g[v] = -a * p - c * p * (lp + H);
    }
    g[targets[i]] += a;
  }
}
