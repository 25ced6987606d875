#include "frames.h"

#include <string.h>

static const uint8_t* take(frame_fields* f, size_t n) {
  if (!f->ok || f->left < n) {
    f->ok = false;
    return NULL;
  }
  const uint8_t* at = f->at;
  f->at += n;
  f->left -= n;
  return at;
}

/* Little-endian on the wire; our hosts (x86-64, arm64) are little-endian. */
#define READER(name, type)                \
  type name(frame_fields* f) {            \
    type v = 0;                           \
    const uint8_t* at = take(f, sizeof v); \
    if (at)                               \
      memcpy(&v, at, sizeof v);           \
    return v;                             \
  }
READER(frame_u8, uint8_t)
READER(frame_u16, uint16_t)
READER(frame_u32, uint32_t)
READER(frame_u64, uint64_t)

#define WRITER(name, type)                          \
  void name(frame_header* h, type v) {              \
    memcpy(h->bytes + h->len, &v, sizeof v);        \
    h->len += sizeof v;                             \
  }
WRITER(frame_put_u8, uint8_t)
WRITER(frame_put_u16, uint16_t)
WRITER(frame_put_u32, uint32_t)
WRITER(frame_put_u64, uint64_t)

bool frame_append(byte_pipe* out, uint8_t kind, const frame_header* fields,
                  const uint8_t* rest, size_t rest_len) {
  uint32_t length = (uint32_t)(1 + fields->len + rest_len);
  uint8_t head[5];
  memcpy(head, &length, 4);
  head[4] = kind;
  return pipe_write(out, head, sizeof head) &&
         pipe_write(out, fields->bytes, fields->len) &&
         pipe_write(out, rest, rest_len);
}
