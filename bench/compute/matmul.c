/* Matrix multiply: C = A × B for 192 × 192 matrices of doubles, 256 times,
 * each product fed back as the next A (reduced mod 9 so the values stay
 * small): the i-k-j loop order, a multiply and an add per inner step over
 * contiguous rows. The entries are small integers, so
 * every sum is exact and the result does not depend on the order of the
 * additions. The check value is the bits of the sum of the last product.
 * Before measuring, the program checks one product against integer
 * arithmetic. */
#include <string.h>

#include "bench.h"

#define N 192
#define BASE_ROUNDS 256

BENCH_NOINLINE static void multiply(double* restrict c, const double* restrict a, const double* restrict b) {
  memset(c, 0, sizeof(double) * N * N);
  for (int i = 0; i < N; i++)
    for (int k = 0; k < N; k++) {
      double aik = a[i * N + k];
      for (int j = 0; j < N; j++)
        c[i * N + j] += aik * b[k * N + j];
    }
}

/* Entries in -4..4: products of such matrices stay exact in a double. */
static void fill(double* m, uint64_t* state) {
  for (int i = 0; i < N * N; i++)
    m[i] = (double)((int)(bench_splitmix64(state) % 9) - 4);
}

/* Replaces every entry by its remainder mod 9, minus 4: back into -4..4. */
static void reduce(double* m) {
  for (int i = 0; i < N * N; i++) {
    long long v = (long long)m[i];
    m[i] = (double)(((v % 9) + 9) % 9 - 4);
  }
}

static int self_test(const double* a, const double* b, double* c) {
  multiply(c, a, b);
  for (int i = 0; i < N; i += 7)
    for (int j = 0; j < N; j += 5) {
      long long sum = 0;
      for (int k = 0; k < N; k++)
        sum += (long long)a[i * N + k] * (long long)b[k * N + j];
      if ((double)sum != c[i * N + j]) {
        fprintf(stderr, "matmul: C[%d][%d] is %g, not %lld\n", i, j, c[i * N + j], sum);
        return 0;
      }
    }
  return 1;
}

int main(void) {
  double* a = malloc(sizeof(double) * N * N);
  double* b = malloc(sizeof(double) * N * N);
  double* c = malloc(sizeof(double) * N * N);
  if (!a || !b || !c) {
    fputs("matmul: out of memory\n", stderr);
    return 1;
  }
  uint64_t state = 11;
  fill(a, &state);
  fill(b, &state);
  if (!self_test(a, b, c))
    return 1;
  uint64_t rounds = bench_scaled(BASE_ROUNDS);
  bench_time start = bench_now();
  for (uint64_t r = 0; r < rounds; r++) {
    multiply(c, a, b);
    reduce(c);
    double* swap = a;
    a = c, c = swap;
  }
  double sum = 0;
  for (int i = 0; i < N * N; i++)
    sum += a[i];
  uint64_t bits;
  memcpy(&bits, &sum, sizeof bits);
  char check[24];
  snprintf(check, sizeof check, "%016llx", (unsigned long long)bits);
  bench_report("matmul", start, check);
  return 0;
}
