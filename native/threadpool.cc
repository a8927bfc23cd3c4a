// A small fork-join pool. Workers block on a condition variable when idle (no spinning: spinning pools
// were what made PyTorch's default 2-thread setting 3x slower on shared 2-core machines).
// The pool is heap-allocated and intentionally never destroyed: at process exit (including exit()
// from a signal handler) no std::thread destructor can run on a joinable thread and abort the process.
#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#include <signal.h>
#endif
#if defined(__linux__)
#include <sched.h>
#endif

#include "engine.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

namespace audeep {

#if defined(__x86_64__) || defined(_M_X64)
DenormalGuard::DenormalGuard() : saved(_mm_getcsr()) { _mm_setcsr(saved | 0x8040u); }
DenormalGuard::~DenormalGuard() { _mm_setcsr(saved); }
void flush_denormals_for_this_thread() { _mm_setcsr(_mm_getcsr() | 0x8040u); }
#else
DenormalGuard::DenormalGuard() : saved(0) {}
DenormalGuard::~DenormalGuard() {}
void flush_denormals_for_this_thread() {}
#endif

std::atomic<bool> g_abort{false};

namespace {

thread_local bool t_in_task = false;

struct Pool {
  std::mutex run_mutex;  // one fork-join job at a time (several JS threads may share the addon)
  std::mutex m;
  std::condition_variable cv_work, cv_done;
  const std::function<void(int)>* fn = nullptr;
  int ntasks = 0;
  std::atomic<int> next{0};
  int pending = 0;
  unsigned long generation = 0;
  int nthreads = 1;
  std::vector<std::thread*> workers;

  void run_tasks() {
    t_in_task = true;
    for (;;) {
      int i = next.fetch_add(1);
      if (i >= ntasks) break;
      (*fn)(i);
      std::lock_guard<std::mutex> lk(m);
      if (--pending == 0) cv_done.notify_all();
    }
    t_in_task = false;
  }

  void worker_main() {
#if defined(__unix__) || defined(__APPLE__)
    // Signals (Ctrl-C) belong to Node's main thread and its libuv handler, never to a compute worker.
    sigset_t set;
    sigfillset(&set);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
#endif
    flush_denormals_for_this_thread();  // workers run only kernels, never JavaScript
    unsigned long seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lk(m);
        cv_work.wait(lk, [&] { return generation != seen; });
        seen = generation;
      }
      run_tasks();
    }
  }

  void ensure_workers() {
    while ((int)workers.size() < nthreads - 1) workers.push_back(new std::thread([this] { worker_main(); }));
  }
};

Pool* pool() {
  static Pool* p = [] {
    Pool* q = new Pool();
    int n = (int)std::thread::hardware_concurrency();
#if defined(__linux__)
    // Respect CPU affinity (taskset, Slurm, containers): hardware_concurrency counts every host CPU.
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) n = CPU_COUNT(&set);
#endif
    if (const char* env = std::getenv("AUDEEP_NUM_THREADS")) {
      int v = std::atoi(env);
      if (v > 0) n = v;
    }
    q->nthreads = n < 1 ? 1 : (n > 64 ? 64 : n);
    return q;
  }();
  return p;
}

}  // namespace

int num_threads() { return pool()->nthreads; }

void set_num_threads(int n) {
  Pool* p = pool();
  std::lock_guard<std::mutex> lk(p->run_mutex);
  p->nthreads = n < 1 ? 1 : (n > 64 ? 64 : n);
}

void parallel_for(int ntasks, const std::function<void(int)>& fn) {
  Pool* p = pool();
  if (ntasks <= 0) return;
  if (ntasks == 1 || t_in_task || p->nthreads <= 1) {
    for (int i = 0; i < ntasks; ++i) fn(i);
    return;
  }
  std::unique_lock<std::mutex> run(p->run_mutex, std::try_to_lock);
  if (!run.owns_lock()) {  // another JS thread is using the pool: do our share serially
    for (int i = 0; i < ntasks; ++i) fn(i);
    return;
  }
  p->ensure_workers();
  {
    std::lock_guard<std::mutex> lk(p->m);
    p->fn = &fn;
    p->ntasks = ntasks;
    p->next.store(0);
    p->pending = ntasks;
    ++p->generation;
  }
  p->cv_work.notify_all();
  p->run_tasks();
  std::unique_lock<std::mutex> lk(p->m);
  p->cv_done.wait(lk, [&] { return p->pending == 0; });
  p->fn = nullptr;
}

void elementwise_parallel(void (*fn)(long n, const float* in, float* out), long n, const float* in, float* out) {
  constexpr long kChunk = 1 << 18;
  const int chunks = (int)((n + kChunk - 1) / kChunk);
  parallel_for(chunks, [&](int c) {
    const long i0 = (long)c * kChunk;
    fn(std::min(kChunk, n - i0), in + i0, out + i0);
  });
}

}  // namespace audeep
