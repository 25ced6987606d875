/* SIMD: a 3 × 3 blur of a 1024 × 512 image of 12-bit pixels, 2048 times,
 * written with the GNU vector extensions (eight 16-bit lanes, 128 bits), so
 * the same C becomes SSE2 natively and wasm simd128 with clang -msimd128:
 * a horizontal pass (1, 2, 1) and a vertical pass (1, 6, 1) / 8, then the
 * result folded into four 32-bit lanes of a checksum. The check value is
 * the checksum. Before measuring, the program checks one pass against
 * plain scalar code. bench/compute.ts builds this program with -msimd128:
 * it needs a wasm engine with SIMD. */
#include <string.h>

#include "bench.h"

#define WIDTH 1024
#define HEIGHT 512
#define BASE_ROUNDS 2048
#define LANES 8

typedef uint16_t u16x8 __attribute__((vector_size(16)));
typedef uint32_t u32x4 __attribute__((vector_size(16)));

static inline u16x8 load(const uint16_t* p) {
  u16x8 v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline void store(uint16_t* p, u16x8 v) {
  memcpy(p, &v, sizeof v);
}

/* Rows have WIDTH + 2 pixels: one of padding on each side. */
#define STRIDE (WIDTH + 2)

/* out[y][x] = (in[y][x-1] + 2 in[y][x] + in[y][x+1]) / 4 for the inner pixels. */
BENCH_NOINLINE static void blur_rows(uint16_t* restrict out, const uint16_t* restrict in) {
  for (int y = 0; y < HEIGHT; y++) {
    const uint16_t* row = in + y * STRIDE;
    for (int x = 1; x <= WIDTH; x += LANES) {
      u16x8 sum = load(row + x - 1) + (load(row + x) << 1) + load(row + x + 1);
      store(out + y * STRIDE + x, (sum + 2) >> 2);
    }
  }
}

/* out[y][x] = (in[y-1][x] + 6 in[y][x] + in[y+1][x]) / 8, rows wrapping at the edges. */
BENCH_NOINLINE static void blur_columns(uint16_t* restrict out, const uint16_t* restrict in) {
  for (int y = 0; y < HEIGHT; y++) {
    const uint16_t* up = in + ((y + HEIGHT - 1) % HEIGHT) * STRIDE;
    const uint16_t* mid = in + y * STRIDE;
    const uint16_t* down = in + ((y + 1) % HEIGHT) * STRIDE;
    for (int x = 1; x <= WIDTH; x += LANES) {
      u16x8 sum = load(up + x) + load(mid + x) * 6 + load(down + x);
      store(out + y * STRIDE + x, (sum + 4) >> 3);
    }
  }
}

/* Folds every inner pixel into four 32-bit lanes, each a rotate-and-add hash. */
BENCH_NOINLINE static u32x4 fold(const uint16_t* image, u32x4 acc) {
  for (int y = 0; y < HEIGHT; y++)
    for (int x = 1; x <= WIDTH; x += LANES) {
      u16x8 v = load(image + y * STRIDE + x);
      u32x4 pairs;
      memcpy(&pairs, &v, sizeof pairs);
      acc = ((acc << 5) | (acc >> 27)) ^ pairs;
      acc += acc >> 7;
    }
  return acc;
}

static int self_test(uint16_t* scratch, const uint16_t* image) {
  blur_rows(scratch, image);
  for (int y = 0; y < HEIGHT; y++)
    for (int x = 1; x <= WIDTH; x++) {
      const uint16_t* row = image + y * STRIDE;
      unsigned want = (row[x - 1] + 2u * row[x] + row[x + 1] + 2) >> 2;
      if (scratch[y * STRIDE + x] != want) {
        fprintf(stderr, "simd: blurred pixel (%d, %d) is %u, not %u\n", x, y, scratch[y * STRIDE + x], want);
        return 0;
      }
    }
  return 1;
}

int main(void) {
  uint16_t* image = calloc(STRIDE * HEIGHT, sizeof *image);
  uint16_t* scratch = calloc(STRIDE * HEIGHT, sizeof *scratch);
  if (!image || !scratch) {
    fputs("simd: out of memory\n", stderr);
    return 1;
  }
  uint64_t state = 5;
  for (int y = 0; y < HEIGHT; y++)
    for (int x = 1; x <= WIDTH; x++)
      image[y * STRIDE + x] = (uint16_t)(bench_splitmix64(&state) & 0xfff);
  if (!self_test(scratch, image))
    return 1;
  uint64_t rounds = bench_scaled(BASE_ROUNDS);
  bench_time start = bench_now();
  u32x4 acc = {1, 2, 3, 4};
  for (uint64_t r = 0; r < rounds; r++) {
    blur_rows(scratch, image);
    blur_columns(image, scratch);
    acc = fold(image, acc);
  }
  char check[40];
  snprintf(check, sizeof check, "%08x%08x%08x%08x", acc[0], acc[1], acc[2], acc[3]);
  bench_report("simd", start, check);
  return 0;
}
