/* Integer hashing: xxHash32 (Yann Collet's algorithm, written here from its
 * specification) over a generated 1 MiB buffer, 3072 times, each digest the
 * seed of the next: four independent lanes of 32-bit multiply, rotate and
 * add per 16 bytes. The check value is the last digest. Before measuring,
 * the program checks itself against the published test vectors. */
#include <string.h>

#include "bench.h"

#define BUFFER_BYTES (1u << 20)
#define BASE_ROUNDS 3072

#define PRIME1 0x9E3779B1u
#define PRIME2 0x85EBCA77u
#define PRIME3 0xC2B2AE3Du
#define PRIME4 0x27D4EB2Fu
#define PRIME5 0x165667B1u

static inline uint32_t rotl32(uint32_t x, int r) {
  return (x << r) | (x >> (32 - r));
}

/* Little-endian, like both wasm and x86-64. */
static inline uint32_t read32(const uint8_t* p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline uint32_t lane_round(uint32_t acc, uint32_t input) {
  return rotl32(acc + input * PRIME2, 13) * PRIME1;
}

BENCH_NOINLINE static uint32_t xxh32(const uint8_t* p, size_t length, uint32_t seed) {
  const uint8_t* end = p + length;
  uint32_t h;
  if (length >= 16) {
    uint32_t v1 = seed + PRIME1 + PRIME2, v2 = seed + PRIME2, v3 = seed, v4 = seed - PRIME1;
    for (; p + 16 <= end; p += 16) {
      v1 = lane_round(v1, read32(p));
      v2 = lane_round(v2, read32(p + 4));
      v3 = lane_round(v3, read32(p + 8));
      v4 = lane_round(v4, read32(p + 12));
    }
    h = rotl32(v1, 1) + rotl32(v2, 7) + rotl32(v3, 12) + rotl32(v4, 18);
  } else {
    h = seed + PRIME5;
  }
  h += (uint32_t)length;
  for (; p + 4 <= end; p += 4)
    h = rotl32(h + read32(p) * PRIME3, 17) * PRIME4;
  for (; p < end; p++)
    h = rotl32(h + *p * PRIME5, 11) * PRIME1;
  h ^= h >> 15;
  h *= PRIME2;
  h ^= h >> 13;
  h *= PRIME3;
  h ^= h >> 16;
  return h;
}

static int self_test(void) {
  static const struct { const char* text; uint32_t seed, digest; } vectors[] = {
    {"", 0, 0x02CC5D05u},
    {"abc", 0, 0x32D153FFu},
    {"Nobody inspects the spammish repetition", 0, 0xE2293B2Fu},
  };
  for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
    uint32_t got = xxh32((const uint8_t*)vectors[i].text, strlen(vectors[i].text), vectors[i].seed);
    if (got != vectors[i].digest) {
      fprintf(stderr, "xxhash: XXH32(\"%s\", %u) is %08x, not %08x\n", vectors[i].text, vectors[i].seed, got,
              vectors[i].digest);
      return 0;
    }
  }
  return 1;
}

int main(void) {
  if (!self_test())
    return 1;
  uint8_t* buffer = bench_random_bytes("xxhash", BUFFER_BYTES, 42);
  uint64_t rounds = bench_scaled(BASE_ROUNDS);
  bench_time start = bench_now();
  uint32_t digest = 0;
  for (uint64_t r = 0; r < rounds; r++)
    digest = xxh32(buffer, BUFFER_BYTES, digest);
  char check[16];
  snprintf(check, sizeof check, "%08x", digest);
  bench_report("xxhash", start, check);
  free(buffer);
  return 0;
}
