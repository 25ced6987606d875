/* Calls and recursion: the doubly recursive Fibonacci function, which is
 * nothing but calls, returns, a compare and an add (about 30 million calls
 * per fib(35)). The check value is the sum of the results. Before measuring,
 * the program checks fib against known values. */
#include "bench.h"

#define BASE_ROUNDS 24
#define N 35

BENCH_NOINLINE static uint32_t fib(uint32_t n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/* The argument comes from memory the compiler cannot see through, so no
 * compiler folds fib(N) into a constant. */
static volatile uint32_t argument = N;

int main(void) {
  static const uint32_t known[][2] = {{0, 0}, {1, 1}, {2, 1}, {10, 55}, {20, 6765}, {30, 832040}};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (fib(known[i][0]) != known[i][1]) {
      fprintf(stderr, "fib: fib(%u) is %u, not %u\n", known[i][0], fib(known[i][0]), known[i][1]);
      return 1;
    }
  uint64_t rounds = bench_scaled(BASE_ROUNDS);
  bench_time start = bench_now();
  uint64_t sum = 0;
  for (uint64_t r = 0; r < rounds; r++)
    sum += fib(argument);
  char check[32];
  snprintf(check, sizeof check, "%016llx", (unsigned long long)sum);
  bench_report("fib", start, check);
  return 0;
}
