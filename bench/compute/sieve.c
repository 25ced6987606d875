/* A segmented sieve of Eratosthenes over the odd numbers below a limit
 * (500 million at scale 1): strided byte stores into a cache-sized segment,
 * then a scan that counts and sums the primes found. The check value is the
 * count and the sum. Before measuring, the program checks its count against
 * known values of π(x). */
#include <string.h>

#include "bench.h"

#define BASE_LIMIT 500000000ull
#define SEGMENT_BYTES 32768 /* one byte per odd number: 64 Ki numbers */

typedef struct {
  uint64_t count; /* primes below the limit */
  uint64_t sum;   /* their sum, modulo 2^64 */
} sieve_result;

/* Small primes up to and including `limit`, odd ones only, by a plain sieve. */
static uint32_t* base_primes(uint32_t limit, uint32_t* n) {
  uint8_t* composite = calloc(limit + 1, 1);
  uint32_t* primes = malloc(sizeof *primes * (limit / 2 + 1));
  if (!composite || !primes) {
    fputs("sieve: out of memory\n", stderr);
    exit(1);
  }
  *n = 0;
  for (uint32_t p = 3; p <= limit; p += 2) {
    if (composite[p])
      continue;
    primes[(*n)++] = p;
    for (uint64_t m = (uint64_t)p * p; m <= limit; m += 2 * p)
      composite[m] = 1;
  }
  free(composite);
  return primes;
}

static uint32_t isqrt(uint64_t n) {
  uint64_t r = 0;
  while ((r + 1) * (r + 1) <= n)
    r++;
  return (uint32_t)r;
}

/* Marks the odd composites of one segment. Byte i stands for low + 2i.
 * next[k] is the next odd multiple of primes[k] still to mark. */
BENCH_NOINLINE static void sieve_segment(uint8_t* segment, uint64_t low, uint64_t high,
                                         const uint32_t* primes, uint64_t* next, uint32_t n) {
  memset(segment, 0, (size_t)((high - low) / 2));
  for (uint32_t k = 0; k < n; k++) {
    uint64_t p = primes[k], m = next[k];
    if (p * p >= high)
      break;
    for (; m < high; m += 2 * p)
      segment[(m - low) / 2] = 1;
    next[k] = m;
  }
}

static sieve_result sieve(uint64_t limit) {
  sieve_result result = {limit > 2, limit > 2 ? 2 : 0};
  uint32_t n;
  uint32_t* primes = base_primes(isqrt(limit), &n);
  uint64_t* next = malloc(sizeof *next * (n ? n : 1));
  uint8_t* segment = malloc(SEGMENT_BYTES);
  if (!next || !segment) {
    fputs("sieve: out of memory\n", stderr);
    exit(1);
  }
  for (uint32_t k = 0; k < n; k++)
    next[k] = (uint64_t)primes[k] * primes[k];
  for (uint64_t low = 1; low < limit; low += 2 * SEGMENT_BYTES) {
    uint64_t high = low + 2 * SEGMENT_BYTES;
    if (high > limit)
      high = limit + (limit - low) % 2; /* keep high - low even */
    sieve_segment(segment, low, high, primes, next, n);
    for (uint64_t i = 0; i < (high - low) / 2; i++) {
      uint64_t v = low + 2 * i;
      if (!segment[i] && v > 1 && v < limit) {
        result.count++;
        result.sum += v;
      }
    }
  }
  free(segment);
  free(next);
  free(primes);
  return result;
}

static void self_test(void) {
  static const struct { uint64_t limit, count; } known[] = {
      {2, 0}, {3, 1}, {10, 4}, {100, 25}, {1000, 168}, {65536 * 2 + 1, 12251}, {1000000, 78498},
      {10000000, 664579},
  };
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
    sieve_result r = sieve(known[i].limit);
    if (r.count != known[i].count) {
      fprintf(stderr, "sieve: self-test failed: %llu primes below %llu, expected %llu\n",
              (unsigned long long)r.count, (unsigned long long)known[i].limit,
              (unsigned long long)known[i].count);
      exit(1);
    }
  }
}

int main(void) {
  self_test();
  uint64_t limit = bench_scaled(BASE_LIMIT);
  bench_time start = bench_now();
  sieve_result r = sieve(limit);
  char check[64];
  snprintf(check, sizeof check, "%llu:%016llx", (unsigned long long)r.count,
           (unsigned long long)r.sum);
  bench_report("sieve", start, check);
  return 0;
}
