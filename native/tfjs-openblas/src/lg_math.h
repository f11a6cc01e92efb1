// Shared inline math for the kernels (elementwise.c, lmm.c).
#ifndef LG_MATH_H
#define LG_MATH_H
#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
// ISA-only clones (not arch=...), so the always_inline helpers inline into every clone.
#define LG_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define LG_CLONES
#endif

// exp: Cephes-style range reduction + degree-6 polynomial (rel. error ~2e-7), branch-free
// so loops over it vectorise. NaN propagates; x > 88.72 gives +inf; x < -87.33 gives 0
// (JS gives a denormal there, below 1.2e-38: denormals would make every later product
// with them, e.g. the attention probabilities in sgemm, up to 100x slower).
static inline __attribute__((always_inline)) float lg_expf(float x0) {
  float x = x0 > 88.5f ? 88.5f : x0;
  x = x < -88.0f ? -88.0f : x;
  float t = x * 1.44269504088896341f;
  float kf = t + 12582912.f;  // round to nearest: add 1.5 * 2^23, read the low bits
  float fn = kf - 12582912.f;
  int32_t kb;
  memcpy(&kb, &kf, 4);
  int n = kb - 0x4B400000;
  float r = x - fn * 0.693359375f + fn * 2.12194440e-4f;
  float p = 1.9875691500E-4f;
  p = p * r + 1.3981999507E-3f;
  p = p * r + 8.3334519073E-3f;
  p = p * r + 4.1665795894E-2f;
  p = p * r + 1.6666665459E-1f;
  p = p * r + 5.0000001201E-1f;
  p = p * r * r + r + 1.f;
  // 2^n as two factors so n = 128 (x near 88.7) does not overflow the exponent field.
  int n1 = n >> 1, n2 = n - n1;
  uint32_t b1 = (uint32_t)(n1 + 127) << 23, b2 = (uint32_t)(n2 + 127) << 23;
  float f1, f2;
  memcpy(&f1, &b1, 4);  // bit casts (a union here stops GCC vectorising the loops)
  memcpy(&f2, &b2, 4);
  float e = p * f1 * f2;
  e = x0 < -87.33654f ? 0.f : e;
  return x0 > 88.72283935546875f ? INFINITY : e;
}

#endif
