// A tiny fork-join thread pool for the element-wise kernels and for batches of small
// matrix products. The calling (JS) thread always takes the first share of the work.
#ifndef LG_POOL_H
#define LG_POOL_H

typedef void (*lg_task_fn)(void *ctx, long begin, long end);

// Threads used by lg_parallel_for, the caller included (1 = no workers).
void lg_pool_set_threads(int n);
int lg_pool_threads(void);

// Runs fn(ctx, begin, end) over [0, n) split into at most lg_pool_threads() contiguous
// ranges of at least `grain` items each; returns when all ranges are done. The pool serves
// one caller at a time: when another JS thread (a worker_thread with its own tfjs) holds
// it, the work runs inline on the calling thread instead.
void lg_parallel_for(long n, long grain, lg_task_fn fn, void *ctx);

// For callers that need the pool across several steps: take it (returns 0 when another
// thread holds it), run lg_parallel_for_held any number of times, then give it back.
int lg_pool_try_acquire(void);
void lg_pool_release(void);
void lg_parallel_for_held(long n, long grain, lg_task_fn fn, void *ctx);

// Flush denormals to zero (FTZ + DAZ) on x86 while native kernels run, as TensorFlow
// does: a denormal operand costs ~100x in SSE/AVX arithmetic. Save, then restore the
// caller's mode (the JS thread must keep IEEE denormals).
unsigned lg_ftz_begin(void);
void lg_ftz_end(unsigned saved);

#endif
