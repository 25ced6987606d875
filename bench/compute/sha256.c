/* SHA-256 (FIPS 180-4) over a generated 1 MiB buffer, hashed again and again:
 * 32-bit integer arithmetic, rotations and big-endian loads. Each round's
 * digest is folded into the first bytes of the buffer, so no round can be
 * skipped or hoisted, and the final digest is the check value. */
#include <stdint.h>
#include <string.h>

#include "bench.h"

#define BUFFER_BYTES (1u << 20)
#define BASE_ROUNDS 128

typedef struct {
  uint32_t h[8];
  uint64_t length; /* bytes hashed so far */
  uint8_t block[64];
  uint32_t used; /* bytes waiting in block */
} sha256_ctx;

/* First 32 bits of the fractional parts of the cube roots of the first 64 primes. */
static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t rotr(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

static inline uint32_t load_be32(const uint8_t* p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

BENCH_NOINLINE static void compress(uint32_t h[8], const uint8_t* block) {
  uint32_t w[64];
  for (int t = 0; t < 16; t++)
    w[t] = load_be32(block + 4 * t);
  for (int t = 16; t < 64; t++) {
    uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
    uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
    w[t] = w[t - 16] + s0 + w[t - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
  for (int t = 0; t < 64; t++) {
    uint32_t S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    uint32_t ch = (e & f) ^ (~e & g);
    uint32_t t1 = k + S1 + ch + K[t] + w[t];
    uint32_t S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
    uint32_t t2 = S0 + maj;
    k = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h[0] += a; h[1] += b; h[2] += c; h[3] += d;
  h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

static void sha256_init(sha256_ctx* ctx) {
  static const uint32_t initial[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  memcpy(ctx->h, initial, sizeof initial);
  ctx->length = 0;
  ctx->used = 0;
}

static void sha256_update(sha256_ctx* ctx, const uint8_t* data, size_t len) {
  ctx->length += len;
  if (ctx->used) {
    size_t take = 64 - ctx->used < len ? 64 - ctx->used : len;
    memcpy(ctx->block + ctx->used, data, take);
    ctx->used += (uint32_t)take;
    data += take;
    len -= take;
    if (ctx->used < 64)
      return;
    compress(ctx->h, ctx->block);
    ctx->used = 0;
  }
  for (; len >= 64; data += 64, len -= 64)
    compress(ctx->h, data);
  memcpy(ctx->block, data, len);
  ctx->used = (uint32_t)len;
}

static void sha256_final(sha256_ctx* ctx, uint8_t digest[32]) {
  uint64_t bits = ctx->length * 8;
  uint8_t pad[72] = {0x80};
  size_t pad_len = (ctx->used < 56 ? 56 : 120) - ctx->used;
  for (int i = 0; i < 8; i++)
    pad[pad_len + i] = (uint8_t)(bits >> (56 - 8 * i));
  sha256_update(ctx, pad, pad_len + 8);
  for (int i = 0; i < 8; i++) {
    digest[4 * i] = (uint8_t)(ctx->h[i] >> 24);
    digest[4 * i + 1] = (uint8_t)(ctx->h[i] >> 16);
    digest[4 * i + 2] = (uint8_t)(ctx->h[i] >> 8);
    digest[4 * i + 3] = (uint8_t)ctx->h[i];
  }
}

static void sha256(const uint8_t* data, size_t len, uint8_t digest[32]) {
  sha256_ctx ctx;
  sha256_init(&ctx);
  sha256_update(&ctx, data, len);
  sha256_final(&ctx, digest);
}

static void to_hex(const uint8_t* bytes, size_t len, char* out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < len; i++) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 15];
  }
  out[2 * len] = 0;
}

/* Refuses to measure a broken implementation: the FIPS 180-2 examples. */
static void self_test(void) {
  static const struct { const char* message; const char* digest; } cases[] = {
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint8_t digest[32];
    char hex[65];
    sha256((const uint8_t*)cases[i].message, strlen(cases[i].message), digest);
    to_hex(digest, 32, hex);
    if (strcmp(hex, cases[i].digest) != 0) {
      fprintf(stderr, "sha256: self-test failed on \"%s\": %s\n", cases[i].message, hex);
      exit(1);
    }
  }
}

int main(void) {
  self_test();
  uint64_t rounds = bench_scaled(BASE_ROUNDS);
  uint8_t* buffer = malloc(BUFFER_BYTES);
  if (!buffer) {
    fputs("sha256: out of memory\n", stderr);
    return 1;
  }
  uint64_t seed = 0x5eed5a256ull;
  for (size_t i = 0; i < BUFFER_BYTES; i += 8) {
    uint64_t r = bench_splitmix64(&seed);
    memcpy(buffer + i, &r, 8);
  }

  uint8_t digest[32] = {0};
  bench_time start = bench_now();
  for (uint64_t r = 0; r < rounds; r++) {
    for (int i = 0; i < 32; i++)
      buffer[i] ^= digest[i];
    sha256(buffer, BUFFER_BYTES, digest);
  }
  char hex[65];
  to_hex(digest, 32, hex);
  bench_report("sha256", start, hex);
  free(buffer);
  return 0;
}
