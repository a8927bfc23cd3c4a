// Large buffers on transparent huge pages (see LargeBufferAllocator in engine.h).
#include <cstdint>
#include <new>

#include "engine.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace audeep {

namespace {
constexpr size_t kHugePage = size_t(2) << 20;
constexpr size_t kPage = 4096;
inline size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }
}  // namespace

void* large_buffer_alloc(size_t bytes) {
#if defined(__linux__)
  if (bytes >= kHugePage) {
    // Over-map by one huge page and trim, so the buffer starts on a 2 MiB boundary: only whole, aligned
    // 2 MiB ranges can be huge pages. The tail keeps 4 KiB pages (nothing rounded up to 2 MiB is wasted).
    const size_t len = round_up(bytes, kPage);
    void* p = mmap(nullptr, len + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    const uintptr_t a = reinterpret_cast<uintptr_t>(p);
    const uintptr_t start = (a + kHugePage - 1) & ~(uintptr_t)(kHugePage - 1);
    if (start > a) munmap(p, start - a);
    const uintptr_t end = start + len, mapped_end = a + len + kHugePage;
    if (mapped_end > end) munmap(reinterpret_cast<void*>(end), mapped_end - end);
    // Advice only: where the kernel has THP off (or "never"), this fails or does nothing and the buffer
    // is ordinary memory.
    madvise(reinterpret_cast<void*>(start), len, MADV_HUGEPAGE);
    return reinterpret_cast<void*>(start);
  }
#endif
  return ::operator new(bytes);
}

void large_buffer_free(void* p, size_t bytes) noexcept {
  if (!p) return;
#if defined(__linux__)
  if (bytes >= kHugePage) {
    munmap(p, round_up(bytes, kPage));
    return;
  }
#endif
  ::operator delete(p);
}

}  // namespace audeep
