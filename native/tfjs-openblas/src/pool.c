#include "pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define LG_X86 1
#endif

#define LG_MAX_THREADS 64
// Workers spin this many rounds for a new job before sleeping on the condition variable:
// kernels come in quick succession during a training step, and a futex wake costs ~10 us.
#define LG_SPIN_ROUNDS 20000

static pthread_mutex_t owner = PTHREAD_MUTEX_INITIALIZER;  // held by the caller using the pool
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
static int n_threads = 1;   // including the caller
static int n_started = 0;   // worker threads created so far
static atomic_long generation = 0;
static atomic_int pending = 0;

static lg_task_fn job_fn;
static void *job_ctx;
static long job_n, job_chunk;
static int job_parts;

static void run_part(int part) {
  long begin = (long)part * job_chunk;
  long end = begin + job_chunk;
  if (end > job_n) end = job_n;
  if (begin < end) job_fn(job_ctx, begin, end);
}

static void *worker(void *arg) {
  int index = (int)(long)arg;  // 1..LG_MAX_THREADS-1
  lg_ftz_begin();  // pool threads only ever run native kernels
  long seen = atomic_load(&generation);
  for (;;) {
    long g;
    int spins = 0;
    while ((g = atomic_load_explicit(&generation, memory_order_acquire)) == seen && spins < LG_SPIN_ROUNDS) {
      spins++;
      if ((spins & 63) == 0) sched_yield();
    }
    if (g == seen) {
      pthread_mutex_lock(&mu);
      while ((g = atomic_load(&generation)) == seen) pthread_cond_wait(&wake, &mu);
      pthread_mutex_unlock(&mu);
    }
    seen = g;
    // Every started worker acknowledges every job (so none can lag into the next one);
    // only those with index < job_parts have a share to run.
    if (index < job_parts) run_part(index);
    {
      if (atomic_fetch_sub(&pending, 1) == 1) {
        pthread_mutex_lock(&mu);
        pthread_cond_signal(&done_cv);
        pthread_mutex_unlock(&mu);
      }
    }
  }
  return 0;
}

void lg_pool_set_threads(int n) {
  if (n < 1) n = 1;
  if (n > LG_MAX_THREADS) n = LG_MAX_THREADS;
  pthread_mutex_lock(&owner);  // not while another thread's job runs
  pthread_mutex_lock(&mu);
  while (n_started < n - 1) {
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, worker, (void *)(long)(n_started + 1)) != 0) {
      pthread_attr_destroy(&attr);
      break;
    }
    pthread_attr_destroy(&attr);
    n_started++;
  }
  n_threads = n_started + 1 < n ? n_started + 1 : n;
  pthread_mutex_unlock(&mu);
  pthread_mutex_unlock(&owner);
}

int lg_pool_threads(void) { return n_threads; }

int lg_pool_try_acquire(void) { return pthread_mutex_trylock(&owner) == 0; }

void lg_pool_release(void) { pthread_mutex_unlock(&owner); }

void lg_parallel_for(long n, long grain, lg_task_fn fn, void *ctx) {
  if (n <= 0) return;
  if (!lg_pool_try_acquire()) {
    fn(ctx, 0, n);
    return;
  }
  lg_parallel_for_held(n, grain, fn, ctx);
  lg_pool_release();
}

void lg_parallel_for_held(long n, long grain, lg_task_fn fn, void *ctx) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  long parts = (n + grain - 1) / grain;
  if (parts > n_threads) parts = n_threads;
  if (parts <= 1) {
    fn(ctx, 0, n);
    return;
  }
  job_fn = fn;
  job_ctx = ctx;
  job_n = n;
  job_chunk = (n + parts - 1) / parts;
  job_parts = (int)parts;
  atomic_store(&pending, n_started);
  pthread_mutex_lock(&mu);
  atomic_fetch_add_explicit(&generation, 1, memory_order_release);
  pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&mu);
  run_part(0);
  int spins = 0;
  while (atomic_load_explicit(&pending, memory_order_acquire) > 0 && spins < LG_SPIN_ROUNDS) spins++;
  if (atomic_load(&pending) > 0) {
    pthread_mutex_lock(&mu);
    while (atomic_load(&pending) > 0) pthread_cond_wait(&done_cv, &mu);
    pthread_mutex_unlock(&mu);
  }
}

unsigned lg_ftz_begin(void) {
#ifdef LG_X86
  unsigned saved = _mm_getcsr();
  _mm_setcsr(saved | 0x8040);  // FTZ (bit 15) + DAZ (bit 6)
  return saved;
#else
  return 0;
#endif
}

void lg_ftz_end(unsigned saved) {
#ifdef LG_X86
  _mm_setcsr(saved);
#else
  (void)saved;
#endif
}
