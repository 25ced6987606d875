#include "pipe.h"

#include <stdlib.h>
#include <string.h>

#include "guest.h"

byte_pipe* pipe_new(struct guest* reader) {
  byte_pipe* p = calloc(1, sizeof *p);
  if (!p)
    return NULL;
  p->reader = reader;
  p->refs = 2;
  return p;
}

void pipe_release(byte_pipe* p) {
  if (p && --p->refs == 0) {
    free(p->data);
    free(p);
  }
}

size_t pipe_buffered(const byte_pipe* p) {
  return p->end - p->start;
}

bool pipe_reserve(byte_pipe* p, size_t len) {
  size_t used = pipe_buffered(p);
  if (p->start > 0 && p->end + len > p->capacity) {
    memmove(p->data, p->data + p->start, used);
    p->start = 0;
    p->end = used;
  }
  if (p->end + len <= p->capacity)
    return true;
  size_t capacity = p->capacity ? p->capacity : 4096;
  while (capacity < used + len)
    capacity *= 2;
  uint8_t* grown = realloc(p->data, capacity);
  if (!grown)
    return false;
  p->data = grown;
  p->capacity = capacity;
  return true;
}

void (*g_remote_pipe_changed)(byte_pipe* p);

static void wake_reader(byte_pipe* p) {
  if (p->reader)
    guest_handle_ready(p->reader, p->reader_handle);
  else if (p->remote_to && g_remote_pipe_changed)
    g_remote_pipe_changed(p);
}

bool pipe_write(byte_pipe* p, const uint8_t* bytes, size_t len) {
  if (len == 0)
    return true;
  if (!pipe_reserve(p, len))
    return false;
  memcpy(p->data + p->end, bytes, len);
  p->end += len;
  wake_reader(p);
  return true;
}

const uint8_t* pipe_peek(const byte_pipe* p) {
  return p->data + p->start;
}

void pipe_consume(byte_pipe* p, size_t len) {
  p->start += len;
  if (p->start == p->end)
    p->start = p->end = 0;
}

size_t pipe_read(byte_pipe* p, uint8_t* out, size_t len) {
  size_t n = pipe_buffered(p);
  if (n > len)
    n = len;
  if (n == 0)
    return 0; /* a pipe never written has no buffer: memcpy from NULL is undefined even for 0 bytes */
  memcpy(out, p->data + p->start, n);
  pipe_consume(p, n);
  return n;
}

void pipe_close_writer(byte_pipe* p) {
  if (p->writer_closed)
    return;
  p->writer_closed = true;
  wake_reader(p);
}

void pipe_close_reader(byte_pipe* p) {
  p->reader_gone = true;
  p->reader = NULL;
}

void pipe_writer_ended(byte_pipe* p) {
  p->blocked_writer = NULL;
  if (p->close_sent)
    return; /* flushed already, and its sending side let go */
  p->writer_ended = true;
  if (p->remote_to && g_remote_pipe_changed)
    g_remote_pipe_changed(p);
}
