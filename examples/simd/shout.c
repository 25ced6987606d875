/* The SIMD example: answers a request with its body in upper case, followed by
 * the sum of the body's bytes, both computed 16 bytes at a time with wasm SIMD
 * (<wasm_simd128.h>; the project file's `simd: true` builds it -msimd128).
 *
 *   curl --data 'hello, simd' localhost:8090/   ->   HELLO, SIMD
 *                                                    sum 1040
 */
#include <stdio.h>
#include <wasm_simd128.h>

#include "embly.h"

/* a-z become A-Z: a lane is lower case when 'a' <= byte <= 'z', and upper case
 * is 0x20 less. The tail shorter than a vector goes byte by byte. */
static void upper_case(uint8_t *out, const uint8_t *in, size_t len) {
  const v128_t a = wasm_i8x16_splat('a'), z = wasm_i8x16_splat('z'), case_bit = wasm_i8x16_splat(0x20);
  size_t i = 0;
  for (; i + 16 <= len; i += 16) {
    v128_t bytes = wasm_v128_load(in + i);
    v128_t lower = wasm_v128_and(wasm_u8x16_ge(bytes, a), wasm_u8x16_le(bytes, z));
    wasm_v128_store(out + i, wasm_i8x16_sub(bytes, wasm_v128_and(lower, case_bit)));
  }
  for (; i < len; i++) out[i] = in[i] >= 'a' && in[i] <= 'z' ? in[i] - 0x20 : in[i];
}

/* Widening pairwise adds: 16 bytes -> 8 u16 -> 4 u32 lanes, summed at the end. */
static uint64_t byte_sum(const uint8_t *in, size_t len) {
  v128_t lanes = wasm_i32x4_splat(0);
  size_t i = 0;
  for (; i + 16 <= len; i += 16) {
    v128_t pairs = wasm_u16x8_extadd_pairwise_u8x16(wasm_v128_load(in + i));
    lanes = wasm_i32x4_add(lanes, wasm_u32x4_extadd_pairwise_u16x8(pairs));
  }
  uint64_t sum = (uint64_t)wasm_u32x4_extract_lane(lanes, 0) + wasm_u32x4_extract_lane(lanes, 1) +
                 wasm_u32x4_extract_lane(lanes, 2) + wasm_u32x4_extract_lane(lanes, 3);
  for (; i < len; i++) sum += in[i];
  return sum;
}

static embly_err_t shout(const embly_http_request *req) {
  embly_buffer out = {NULL, 0, 0};
  char sum[32];
  int sum_len = snprintf(sum, sizeof sum, "\nsum %llu\n", (unsigned long long)byte_sum(req->body, req->body_len));
  embly_err_t err = embly_buffer_append(&out, req->body, req->body_len); /* sized, then overwritten */
  if (err == EMBLY_OK) upper_case(out.data, req->body, req->body_len);
  if (err == EMBLY_OK) err = embly_buffer_append(&out, sum, (size_t)sum_len);
  static const embly_http_header content_type = {"Content-Type", "text/plain; charset=utf-8"};
  if (err == EMBLY_OK) err = embly_http_write_response(EMBLY_HANDLE_PARENT, 200, &content_type, 1, out.data, out.len);
  else err = embly_http_respond_text(EMBLY_HANDLE_PARENT, 500, "out of memory\n");
  embly_buffer_free(&out);
  return err;
}

int main(void) {
  return embly_http_serve(shout) == EMBLY_OK ? 0 : 1;
}
