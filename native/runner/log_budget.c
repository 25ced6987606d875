/* The count lives in a MAP_SHARED page once a template has shared it, so its
 * children draw on one budget. Lock-free, so that a child killed mid-update
 * blocks nobody: a fixed window whose reset may race with a few increments
 * (a few lines more in that second, never fewer). */
#include "log_budget.h"

#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>

#include "embly/runtime.h"

typedef struct {
  _Atomic uint64_t window; /* the second (CLOCK_MONOTONIC) being counted */
  _Atomic uint32_t used;
} budget;

static budget g_own;
static budget* g_budget = &g_own;

bool log_budget_share(void) {
  budget* shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED)
    return false;
  g_budget = shared; /* zeroed by the kernel */
  return true;
}

bool log_budget_take(void) {
  uint64_t now = embly_monotonic_ns() / 1000000000u;
  uint64_t window = atomic_load(&g_budget->window);
  if (window != now && atomic_compare_exchange_strong(&g_budget->window, &window, now))
    atomic_store(&g_budget->used, 0);
  return atomic_fetch_add(&g_budget->used, 1) < LOG_LINES_PER_SECOND;
}
