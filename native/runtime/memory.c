/* Linear memories: each is a reservation big enough that any 32-bit address
 * plus any 32-bit offset lands inside it, of which only the first `size`
 * bytes are accessible. Loads and stores therefore need no bounds checks: an
 * access past `size` faults, and the fault handler asks embly_memory_owns
 * whether the address belongs to a memory. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "embly/runtime.h"
#include "internal.h"

/* 4 GiB of addresses + 4 GiB of offsets + the widest access. */
#define RESERVATION_BYTES ((8ull << 30) + (64ull << 10))

/* Live reservations, read by the fault handler. */
static embly_range_set g_reservations;

static int remember(uint8_t* data) {
  return embly_ranges_add(&g_reservations, (uintptr_t)data, (uintptr_t)data + RESERVATION_BYTES);
}

static void forget(uint8_t* data) {
  embly_ranges_remove(&g_reservations, (uintptr_t)data);
}

int embly_memory_owns(uintptr_t address) {
  return embly_ranges_contain(&g_reservations, address);
}

static uint64_t min_u64(uint64_t a, uint64_t b) {
  return a < b ? a : b;
}

/* Freed reservations are kept, zero-filled, for the next instance: reusing
 * resident pages costs no fault (~16 µs each here) and no mmap (§2). */
#define POOL_MAX 64

typedef struct {
  uint8_t* data;
  uint64_t accessible; /* bytes readable and writable, all zero */
} spare;

static spare g_spares[POOL_MAX];
static size_t g_spare_count;

static bool page_is_zero(const uint8_t* page, size_t size) {
  const uint64_t* words = (const uint64_t*)page;
  for (size_t i = 0; i < size / 8; i++)
    if (words[i])
      return false;
  return true;
}

/* Non-resident pages of a private anonymous mapping are either never touched
 * (zero) or swapped out (swap, zswap) with the last instance's data: reading
 * them would bring that data back. MADV_DONTNEED drops both kinds, and the
 * next touch reads zeros. One call per run of such pages. */
static bool discard(uint8_t* data, size_t from_page, size_t to_page) {
  size_t page = embly_page_size();
  return from_page == to_page ||
         madvise(data + from_page * page, (to_page - from_page) * page, MADV_DONTNEED) == 0;
}

/* A pooled memory keeps at most this much of itself resident: enough for
 * what most instances touch (a Rust module's 1 MiB stack and its data), so
 * they start without faults, while a memory that an instance grew and wrote
 * to its limit does not keep that much resident in the pool for good. */
#define POOLED_RESIDENT_BYTES (2u << 20)

/* Zeroes what the last instance could have written. Resident pages it merely
 * read are already zero, so writing them is skipped (writing would fault a
 * shared zero page into a private one), and resident pages are not
 * discarded (refaulting costs ~16 µs a page here) up to the pooled resident
 * size; the rest are discarded. */
static bool zero_dirty(uint8_t* data, uint64_t size) {
  size_t page = embly_page_size(), all_pages = (size + page - 1) / page;
  size_t pages = all_pages < POOLED_RESIDENT_BYTES / page ? all_pages : POOLED_RESIDENT_BYTES / page;
  if (!discard(data, pages, all_pages))
    return false;
  unsigned char* resident = malloc(pages ? pages : 1);
  if (!resident || mincore(data, pages * page, resident) != 0) {
    free(resident);
    return false;
  }
  bool ok = true;
  size_t run = 0; /* the first page of the current run of non-resident pages */
  for (size_t i = 0; i < pages && ok; i++) {
    if (!(resident[i] & 1))
      continue;
    ok = discard(data, run, i);
    run = i + 1;
    if (!page_is_zero(data + i * page, page))
      memset(data + i * page, 0, page);
  }
  ok = ok && discard(data, run, pages);
  free(resident);
  return ok;
}

static bool set_accessible(uint8_t* data, uint64_t from, uint64_t to) {
  if (from == to)
    return true;
  if (from < to)
    return mprotect(data + from, to - from, PROT_READ | PROT_WRITE) == 0;
  return mprotect(data + to, from - to, PROT_NONE) == 0;
}

static uint8_t* new_reservation(uint64_t accessible) {
  uint8_t* data = mmap(NULL, RESERVATION_BYTES, PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (data == MAP_FAILED)
    return NULL;
  if (!set_accessible(data, 0, accessible) || !remember(data)) {
    munmap(data, RESERVATION_BYTES);
    return NULL;
  }
  return data;
}

static uint8_t* take_reservation(uint64_t accessible) {
  while (g_spare_count > 0) {
    spare s = g_spares[--g_spare_count];
    if (set_accessible(s.data, s.accessible, accessible))
      return s.data;
    forget(s.data);
    munmap(s.data, RESERVATION_BYTES);
  }
  return new_reservation(accessible);
}

/* One MADV_POPULATE_WRITE (Linux 5.14) fills a range for less than a fault
 * per page (~1.1 against ~1.5 µs per 4 KiB page here, in a row); older
 * kernels get the faults. */
void embly_populate(uint8_t* start, size_t len) {
  if (len == 0 || madvise(start, len, MADV_POPULATE_WRITE) == 0)
    return;
  volatile uint8_t* bytes = start;
  for (size_t at = 0; at < len; at += embly_page_size())
    bytes[at] = bytes[at];
}

int embly_memory_prewarm(uint64_t bytes, uint64_t resident) {
  if (g_spare_count == POOL_MAX || bytes > RESERVATION_BYTES)
    return 0;
  uint8_t* data = new_reservation(bytes);
  if (!data)
    return 0;
  embly_populate(data, min_u64(bytes, resident));
  g_spares[g_spare_count++] = (spare){data, bytes}; /* fresh pages: all zero */
  return 1;
}

static void give_back(uint8_t* data, uint64_t size) {
  if (g_spare_count < POOL_MAX && zero_dirty(data, size)) {
    g_spares[g_spare_count++] = (spare){data, size};
    return;
  }
  forget(data);
  munmap(data, RESERVATION_BYTES);
}

static void fail_allocation(embly_limit limit) {
  if (embly_fiber_current())
    embly_stop_now(EMBLY_STOP_LIMIT, limit);
  abort();
}

const char* embly_limit_describe(int32_t limit) {
  switch ((embly_limit)limit) {
    case EMBLY_LIMIT_MEMORY: return "memory limit: the module needs more than the function may use";
    case EMBLY_LIMIT_ADDRESS_SPACE: return "the system refused its memory: vm.max_map_count, the runner's RLIMIT_DATA or no memory left";
  }
  return "a resource limit";
}

/* Runtime helpers called by generated code run as host code from start to
 * end (embly_host_enter): nothing stops them halfway, and a fault inside
 * them is the runtime's bug, never a guest trap. */
void wasm_rt_allocate_memory(wasm_rt_memory_t* memory,
                             uint64_t initial_pages,
                             uint64_t max_pages,
                             bool is64,
                             uint32_t page_size) {
  embly_host_enter();
  uint64_t limit = embly_fiber_memory_limit(embly_fiber_current());
  uint64_t initial_bytes = initial_pages * page_size;
  if (initial_pages > limit || initial_bytes > RESERVATION_BYTES)
    fail_allocation(EMBLY_LIMIT_MEMORY);
  if (!embly_memory_charge(initial_bytes)) /* tables count too */
    fail_allocation(EMBLY_LIMIT_MEMORY);
  uint8_t* data = take_reservation(initial_bytes);
  if (!data)
    fail_allocation(EMBLY_LIMIT_ADDRESS_SPACE);
  memory->data = data;
  memory->pages = initial_pages;
  memory->max_pages = min_u64(max_pages, limit);
  memory->size = initial_bytes;
  memory->is64 = is64;
  memory->page_size = page_size;
  embly_host_leave();
}

uint64_t wasm_rt_grow_memory(wasm_rt_memory_t* memory, uint64_t delta) {
  embly_host_enter();
  uint64_t old_pages = memory->pages;
  uint64_t new_pages = old_pages + delta;
  uint64_t new_size = new_pages * memory->page_size;
  bool fits = new_pages >= old_pages && new_pages <= memory->max_pages &&
              new_size <= RESERVATION_BYTES &&
              embly_memory_charge(new_size - memory->size);
  /* mprotect fails with ENOMEM past the runner's RLIMIT_DATA: -1 too. */
  if (fits && delta > 0 &&
      mprotect(memory->data + memory->size, new_size - memory->size,
               PROT_READ | PROT_WRITE) != 0) {
    embly_memory_uncharge(new_size - memory->size);
    fits = false;
  }
  if (fits) {
    memory->pages = new_pages;
    memory->size = new_size;
  }
  embly_host_leave();
  return fits ? old_pages : (uint64_t)-1;
}

void wasm_rt_free_memory(wasm_rt_memory_t* memory) {
  if (!memory->data)
    return;
  give_back(memory->data, memory->size);
  memory->data = NULL;
  memory->size = 0;
  memory->pages = 0;
}
