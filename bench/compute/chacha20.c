/* 32-bit cipher rounds: the ChaCha20 stream cipher (RFC 8439, written here
 * from the RFC) encrypting a generated 1 MiB buffer in place, 160 times, each
 * pass under a nonce taken from the previous ciphertext: 20 rounds of 32-bit
 * add, xor and rotate per 64-byte block. The check value is the first 16
 * bytes of the final buffer. Before measuring, the program checks its block
 * function and its encryption against the RFC's test vectors. */
#include <string.h>

#include "bench.h"

#define BUFFER_BYTES (1u << 20)
#define BASE_ROUNDS 160

static inline uint32_t rotl32(uint32_t x, int r) {
  return (x << r) | (x >> (32 - r));
}

static inline uint32_t read32(const uint8_t* p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#define QUARTER_ROUND(a, b, c, d) \
  a += b, d = rotl32(d ^ a, 16),  \
  c += d, b = rotl32(b ^ c, 12),  \
  a += b, d = rotl32(d ^ a, 8),   \
  c += d, b = rotl32(b ^ c, 7)

/* state: constants, key, counter, nonce (RFC 8439 2.3); out: 16 words. */
static inline void chacha20_block(const uint32_t state[16], uint32_t out[16]) {
  uint32_t x[16];
  memcpy(x, state, sizeof x);
  for (int i = 0; i < 10; i++) {
    QUARTER_ROUND(x[0], x[4], x[8], x[12]);
    QUARTER_ROUND(x[1], x[5], x[9], x[13]);
    QUARTER_ROUND(x[2], x[6], x[10], x[14]);
    QUARTER_ROUND(x[3], x[7], x[11], x[15]);
    QUARTER_ROUND(x[0], x[5], x[10], x[15]);
    QUARTER_ROUND(x[1], x[6], x[11], x[12]);
    QUARTER_ROUND(x[2], x[7], x[8], x[13]);
    QUARTER_ROUND(x[3], x[4], x[9], x[14]);
  }
  for (int i = 0; i < 16; i++)
    out[i] = x[i] + state[i];
}

static void chacha20_setup(uint32_t state[16], const uint8_t key[32], uint32_t counter, const uint8_t nonce[12]) {
  state[0] = 0x61707865u, state[1] = 0x3320646eu, state[2] = 0x79622d32u, state[3] = 0x6b206574u;
  for (int i = 0; i < 8; i++)
    state[4 + i] = read32(key + 4 * i);
  state[12] = counter;
  for (int i = 0; i < 3; i++)
    state[13 + i] = read32(nonce + 4 * i);
}

/* XORs the key stream into data, one 64-byte block (the last one partial) at a time. */
BENCH_NOINLINE static void chacha20_xor(uint8_t* data, size_t length, const uint8_t key[32], uint32_t counter,
                                        const uint8_t nonce[12]) {
  uint32_t state[16], block[16];
  chacha20_setup(state, key, counter, nonce);
  for (size_t offset = 0; offset < length; offset += 64) {
    chacha20_block(state, block);
    state[12]++;
    size_t n = length - offset < 64 ? length - offset : 64;
    for (size_t i = 0; i < n; i++)
      data[offset + i] ^= (uint8_t)(block[i / 4] >> (8 * (i % 4)));
  }
}

static int self_test(void) {
  uint8_t key[32], nonce[12] = {0, 0, 0, 9, 0, 0, 0, 0x4a, 0, 0, 0, 0};
  for (int i = 0; i < 32; i++)
    key[i] = (uint8_t)i;
  /* RFC 8439 2.3.2: the block for counter 1. */
  static const uint32_t expected_block[4] = {0xe4e7f110u, 0x15593bd1u, 0x1fdd0f50u, 0xc47120a3u};
  uint32_t state[16], block[16];
  chacha20_setup(state, key, 1, nonce);
  chacha20_block(state, block);
  if (memcmp(block, expected_block, sizeof expected_block) != 0) {
    fprintf(stderr, "chacha20: the RFC 8439 2.3.2 block is wrong (%08x...)\n", block[0]);
    return 0;
  }
  /* RFC 8439 2.4.2: the "sunscreen" plaintext, counter 1, nonce 0:0:4a:0. */
  static const char plaintext[] = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for "
                                  "the future, sunscreen would be it.";
  static const uint8_t expected[8] = {0x6e, 0x2e, 0x35, 0x9a, 0x25, 0x68, 0xf9, 0x80};
  uint8_t text[sizeof plaintext - 1];
  uint8_t nonce2[12] = {0, 0, 0, 0, 0, 0, 0, 0x4a, 0, 0, 0, 0};
  memcpy(text, plaintext, sizeof text);
  chacha20_xor(text, sizeof text, key, 1, nonce2);
  if (memcmp(text, expected, sizeof expected) != 0) {
    fprintf(stderr, "chacha20: the RFC 8439 2.4.2 ciphertext is wrong (%02x%02x...)\n", text[0], text[1]);
    return 0;
  }
  return 1;
}

int main(void) {
  if (!self_test())
    return 1;
  uint8_t* buffer = bench_random_bytes("chacha20", BUFFER_BYTES, 7);
  uint8_t key[32];
  for (int i = 0; i < 32; i++)
    key[i] = (uint8_t)(i * 37 + 11);
  uint64_t rounds = bench_scaled(BASE_ROUNDS);
  bench_time start = bench_now();
  for (uint64_t r = 0; r < rounds; r++) {
    uint8_t nonce[12];
    memcpy(nonce, buffer + BUFFER_BYTES - 12, 12);
    chacha20_xor(buffer, BUFFER_BYTES, key, (uint32_t)r, nonce);
  }
  char check[40];
  for (int i = 0; i < 16; i++)
    snprintf(check + 2 * i, 3, "%02x", buffer[i]);
  bench_report("chacha20", start, check);
  free(buffer);
  return 0;
}
