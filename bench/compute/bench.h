/* Shared by the compute benchmark programs (bench/compute.ts builds each of
 * them three ways: native gcc -O2, wasm run by embly-runner, wasm run by
 * Node's WASI).
 *
 * Each program times only its kernel and prints one line on stdout:
 *
 *   embly-bench NAME kernel_ns=N cpu_ns=M check=HEX
 *
 * kernel_ns is wall time (CLOCK_MONOTONIC); cpu_ns is the CPU time of the
 * thread that ran the kernel (CLOCK_THREAD_CPUTIME_ID), which a busy,
 * shared machine inflates far less than wall time. The driver compares
 * `check` across the three builds: the same source must compute the same
 * result whatever runs it.
 *
 * BENCH_SCALE (environment, a positive number, default 1) multiplies the
 * amount of work, so a quick run can use 0.1 and a careful one 3. */
#ifndef EMBLY_BENCH_H_
#define EMBLY_BENCH_H_

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Marks the function each kernel calls over and over. V8 compiles wasm with
 * a baseline compiler first and swaps in optimised code only at a function's
 * next call (there is no on-stack replacement for wasm), so a kernel inlined
 * whole into main would never run optimised under Node. A call per block,
 * step or segment costs nothing measurable natively. */
#define BENCH_NOINLINE __attribute__((noinline))

static inline uint64_t bench_clock_ns(clockid_t clock, const char* name) {
  struct timespec ts;
  if (clock_gettime(clock, &ts) != 0) {
    fprintf(stderr, "embly-bench: clock_gettime(%s) failed\n", name);
    exit(2);
  }
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

typedef struct {
  uint64_t wall_ns;
  uint64_t cpu_ns;
} bench_time;

static inline bench_time bench_now(void) {
  bench_time t = {bench_clock_ns(CLOCK_MONOTONIC, "CLOCK_MONOTONIC"),
                  bench_clock_ns(CLOCK_THREAD_CPUTIME_ID, "CLOCK_THREAD_CPUTIME_ID")};
  return t;
}

/* base × BENCH_SCALE, at least 1. */
static inline uint64_t bench_scaled(uint64_t base) {
  const char* text = getenv("BENCH_SCALE");
  double scale = 1.0;
  if (text && *text) {
    char* end;
    scale = strtod(text, &end);
    if (*end || !(scale > 0)) {
      fprintf(stderr, "embly-bench: BENCH_SCALE must be a positive number, not %s\n", text);
      exit(2);
    }
  }
  double n = (double)base * scale;
  return n < 1 ? 1 : (uint64_t)n;
}

/* Prints the result line for a kernel that ran from start until now. */
static inline void bench_report(const char* name, bench_time start, const char* check) {
  bench_time end = bench_now();
  printf("embly-bench %s kernel_ns=%llu cpu_ns=%llu check=%s\n", name,
         (unsigned long long)(end.wall_ns - start.wall_ns),
         (unsigned long long)(end.cpu_ns - start.cpu_ns), check);
  fflush(stdout);
}

/* SplitMix64: a tiny deterministic generator for input data. */
static inline uint64_t bench_splitmix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* `bytes` (a multiple of 8) of SplitMix64 output from `seed`, malloc'd; exits on no memory. */
static inline uint8_t* bench_random_bytes(const char* name, size_t bytes, uint64_t seed) {
  uint8_t* buffer = malloc(bytes);
  if (!buffer) {
    fprintf(stderr, "%s: out of memory\n", name);
    exit(1);
  }
  for (size_t i = 0; i < bytes; i += 8) {
    uint64_t r = bench_splitmix64(&seed);
    memcpy(buffer + i, &r, 8);
  }
  return buffer;
}

/* A double in [0, 1) from 53 random bits. */
static inline double bench_unit(uint64_t* state) {
  return (double)(bench_splitmix64(state) >> 11) * (1.0 / 9007199254740992.0);
}

#endif
