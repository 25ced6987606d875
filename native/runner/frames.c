#include "frames.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

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
  if (!pipe_reserve(out, sizeof head + fields->len + rest_len))
    return false; /* never half a frame: the stream would be out of step */
  return pipe_write(out, head, sizeof head) &&
         pipe_write(out, fields->bytes, fields->len) &&
         pipe_write(out, rest, rest_len);
}

bool frames_flush(int fd, byte_pipe* out) {
  while (pipe_buffered(out) > 0) {
    ssize_t n = write(fd, pipe_peek(out), pipe_buffered(out));
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
      return true;
    if (n <= 0)
      return false;
    pipe_consume(out, (size_t)n);
  }
  return true;
}

/* Parses every complete frame buffered; false on a malformed one. */
static bool handle_input(byte_pipe* in, frame_handler handle) {
  while (pipe_buffered(in) >= 5) {
    uint32_t length;
    memcpy(&length, pipe_peek(in), 4);
    if (length == 0 || length > FRAME_MAX_BYTES) {
      runner_log("the master sent a frame of %u bytes", length);
      return false;
    }
    if (pipe_buffered(in) < 4 + (size_t)length)
      break;
    const uint8_t* frame = pipe_peek(in);
    frame_fields f = {frame + 5, length - 1, true};
    if (!handle(frame[4], &f)) {
      runner_log("the master sent a malformed or unexpected frame (kind %u)", frame[4]);
      return false;
    }
    pipe_consume(in, 4 + (size_t)length);
  }
  return true;
}

bool frames_read(int fd, byte_pipe* in, frame_handler handle) {
  uint8_t chunk[FRAME_READ_CHUNK];
  ssize_t n = read(fd, chunk, sizeof chunk);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return true;
  if (n <= 0)
    return false;
  return pipe_write(in, chunk, (size_t)n) && handle_input(in, handle);
}
