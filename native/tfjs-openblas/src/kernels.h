// Plain C kernels over float32 buffers; addon.c binds them to JS (N-API).
#ifndef LG_KERNELS_H
#define LG_KERNELS_H
#include <stdint.h>

// Activation codes of the fused matmul epilogue (match agents/model/kernels/addon.ts).
enum { LG_ACT_NONE = 0, LG_ACT_RELU = 1, LG_ACT_RELU6 = 2, LG_ACT_LEAKY = 3, LG_ACT_SIGMOID = 4, LG_ACT_ELU = 5 };

// C[bi] = op(A[ia]) x op(B[ib]) (+ bias, activation) for bi in [0, batch): row-major,
// A[ia] is MxK (KxM when transA), B[ib] is KxN (NxK when transB), C[bi] is MxN.
// ia = aIdx ? aIdx[bi] : (batchA == 1 ? 0 : bi), same for ib.
// bias: NULL, or biasLen == N (added to every row) or biasLen == 1 (scalar).
void lg_matmul(const float *A, const float *B, float *C, long batch, long batchA, long batchB,
               const int32_t *aIdx, const int32_t *bIdx, long M, long N, long K, int transA,
               int transB, const float *bias, long biasLen, int act, float alpha);

// Products below n multiply-adds use the small-GEMM kernel instead of OpenBLAS (0 = never).
void lg_set_small_gemm_limit(long n);

// Thread control: OpenBLAS threads and the pool used for batches of small products.
void lg_set_threads(int n);
int lg_get_threads(void);

// Binary ops with broadcasting. op: see LG_BIN_*. rank >= 1 dims of the output (`shape`),
// with element strides of a and b in that index space (0 on broadcast dims).
enum { LG_BIN_ADD = 0, LG_BIN_SUB = 1, LG_BIN_MUL = 2, LG_BIN_DIV = 3, LG_BIN_MAX = 4, LG_BIN_MIN = 5, LG_BIN_SQDIFF = 6 };
void lg_binary(int op, int rank, const int32_t *shape, const float *a, const int32_t *sa,
               const float *b, const int32_t *sb, float *out);

enum { LG_UN_EXP = 0, LG_UN_NEG = 1, LG_UN_SQRT = 2, LG_UN_RSQRT = 3, LG_UN_SQUARE = 4, LG_UN_RELU = 5,
       LG_UN_TANH = 6, LG_UN_SIGMOID = 7, LG_UN_LOG = 8, LG_UN_ABS = 9, LG_UN_RECIPROCAL = 10 };
void lg_unary(int op, long n, const float *x, float *out);

// Softmax over the last axis of a [rows, n] buffer.
void lg_softmax(long rows, long n, const float *x, float *out);

// Reductions of x viewed as [outer, reduce, inner] over the middle axis -> [outer, inner].
enum { LG_RED_SUM = 0, LG_RED_MAX = 1, LG_RED_MIN = 2, LG_RED_MEAN = 3 };
void lg_reduce(int op, long outer, long reduce, long inner, const float *x, float *out);

// out = transpose(x): output dims `shape` (rank r); inStrides[d] = element stride in x of
// output dim d.
void lg_transpose(int rank, const int32_t *shape, const int32_t *inStrides, const float *x, float *out);

// One Adam step on n parameters (tfjs AdamOptimizer's formula): reads var, grad, m, v and
// writes the new values to outVar, outM, outV (which may alias the inputs).
void lg_adam(long n, const float *var, const float *grad, const float *m, const float *v, float *outVar,
             float *outM, float *outV, float lr, float beta1, float beta2, float eps, float bc1, float bc2);

// The fused decoder of agents/model (lmm.c): sizes of the stack.
typedef struct {
  int nLayers, d, H, F, V, Smax, B;  // B: rows of the KV cache; Smax: positions per row
} lg_lmm_dims;

// Floats of one layer's weights / of the whole packed weight buffer (layout in lmm.c).
long lg_lmm_layer_floats(const lg_lmm_dims *m);
long lg_lmm_weight_floats(const lg_lmm_dims *m);

// Position of each packed token (its row's cache length, counting earlier tokens of the
// same row in this call); -1 when a row index is out of range or a row would overflow Smax.
int lg_lmm_positions(const lg_lmm_dims *m, const int32_t *cacheLen, const int32_t *rowOf, long N, int32_t *pos);

// Runs the stack over N packed new tokens x [N, d] (rowOf: cache row of each, pos from
// lg_lmm_positions), appends their keys/values to the cache K [nLayers][B][H][dh][Smax]
// (transposed) and V [nLayers][B][H][Smax][dh], updates cacheLen, and writes the logits
// [M, V] of the packed tokens outRows. threads > 1 splits rows over the pool. Returns -1
// when out of memory.
int lg_lmm_forward(const lg_lmm_dims *m, const float *W, const float *slopes, float *K, float *V, int32_t *cacheLen,
                   const int32_t *freeLen, const float *x, const int32_t *rowOf, const int32_t *pos, long N,
                   const int32_t *outRows, long M, float *logits, int threads);

// Training kernels of the packed decoder (train.c). Sequences are packed without padding:
// row b owns tokens rowStart[b] .. rowStart[b + 1] - 1.
// lg_ln_forward: stats may be NULL (the fused decoder needs no backward).
void lg_ln_forward(long N, long d, const float *x, const float *g, const float *b, float *y, float *stats);
int lg_ln_backward(long N, long d, const float *dy, const float *x, const float *g, const float *stats, float *dx,
                   float *dg, float *db);
void lg_gelu_forward(long n, const float *x, float *y);
void lg_gelu_backward(long n, const float *x, const float *dy, float *dx);
// Floats of the saved attention probabilities: sum over rows of H * L^2.
long lg_attn_prob_floats(long rows, const int32_t *rowStart, long H);
void lg_attn_forward(long rows, const int32_t *rowStart, const int32_t *freeN, long d, long H, const float *slopes,
                     const float *qkv, float *out, float *P);
int lg_attn_backward(long rows, const int32_t *rowStart, long d, long H, const float *qkv, const float *P,
                     const float *dout, float *dqkv);
void lg_token_logprobs(long M, long V, const float *logits, const int32_t *targets, float invT, float *logp, float *ent);
void lg_token_logprobs_backward(long M, long V, const float *logits, const int32_t *targets, float invT,
                                const float *dlogp, const float *dent, float *dlogits);

#endif
