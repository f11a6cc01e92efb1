#ifndef LG_SMALL_GEMM_H
#define LG_SMALL_GEMM_H
// C [M][N] = op(A) op(B) (row-major, op = transpose when trans*), for small sizes.
// scratch: lg_small_scratch(M, N, K) floats (free() it).
float *lg_small_scratch(long M, long N, long K);
void lg_small_gemm(const float *A, const float *B, float *C, long M, long N, long K, int transA, int transB,
                   float *scratch);
#endif
