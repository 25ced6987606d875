/* embly.h: write Embly functions in C (a single header; docs/sdk.md is the guide).
 *
 * A function is a WASI command (`int main(void)`) built with
 *   clang --target=wasm32-wasi -O2 -I<repo>/sdk/c hello.c -o hello.wasm
 * It talks to its peers through handles: EMBLY_HANDLE_PARENT (1) is whoever spawned it,
 * embly_spawn() starts another function of the project and returns the child's handle.
 *
 * Part 1 wraps the `embly` imports of docs/abi.md (ABI version 1). Every function returns
 * an embly_err_t: EMBLY_OK (0), a WASI errno (> 0), or an SDK error (< 0, HTTP parsing).
 * embly_strerror() names any of them.
 * Part 2 is an HTTP/1.1 helper: read the request on handle 1, write a complete response.
 *
 *   #include "embly.h"
 *   static embly_err_t hello(const embly_http_request *req) {
 *     (void)req;
 *     return embly_http_respond_text(EMBLY_HANDLE_PARENT, 200, "Hello from C!\n");
 *   }
 *   int main(void) { return embly_http_serve(hello) == EMBLY_OK ? 0 : 1; }
 */
#ifndef EMBLY_H
#define EMBLY_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EMBLY_SDK_ABI_VERSION 1

/* ---------------------------------------------------------------- errors and handles */

typedef int32_t embly_err_t;
typedef uint32_t embly_handle_t;

/* The same names and values as native/include/embly/abi.h, which may be included too. */
#ifndef EMBLY_ABI_H
enum embly_errno {
  EMBLY_OK = 0,
  EMBLY_EACCES = 2,  /* spawn: not allowed (embly/http without allowed_outbound_hosts) */
  EMBLY_EAGAIN = 6,  /* nothing to read yet */
  EMBLY_EBADF = 8,   /* unknown handle, or writing after close */
  EMBLY_EFAULT = 21, /* buffer outside the instance's memory */
  EMBLY_EINVAL = 28, /* malformed argument (e.g. empty function name) */
  EMBLY_ENOENT = 44, /* spawn: no such function */
  EMBLY_ENOMEM = 48, /* spawn: function at max_instances */
  EMBLY_ENOSYS = 52, /* not available here */
  EMBLY_EPIPE = 64,  /* writing to a peer that has exited */
};
#define EMBLY_HANDLE_PARENT 1
#endif

/* SDK-level errors are negative so they never collide with a WASI errno. */
enum embly_sdk_error {
  EMBLY_EOUTOFMEMORY = -1,   /* malloc failed */
  EMBLY_EHTTP_MALFORMED = -2, /* the bytes are not an HTTP/1.1 message */
  EMBLY_EHTTP_TRUNCATED = -3, /* the peer closed before the message was complete */
  EMBLY_EHTTP_TOO_LARGE = -4, /* header section over 64 KiB or too many headers */
};

/* events() timeout meaning "wait until something is readable". */
#define EMBLY_WAIT_FOREVER ((int64_t)-1)

static inline const char *embly_strerror(embly_err_t err) {
  switch (err) {
  case EMBLY_OK: return "ok";
  case EMBLY_EACCES: return "EACCES: not allowed by the project file";
  case EMBLY_EAGAIN: return "EAGAIN: nothing to read yet";
  case EMBLY_EBADF: return "EBADF: unknown or closed handle";
  case EMBLY_EFAULT: return "EFAULT: buffer outside the instance's memory";
  case EMBLY_EINVAL: return "EINVAL: invalid argument";
  case EMBLY_ENOENT: return "ENOENT: no such function in the project";
  case EMBLY_ENOMEM: return "ENOMEM: function is at its max_instances";
  case EMBLY_ENOSYS: return "ENOSYS: not available here";
  case EMBLY_EPIPE: return "EPIPE: peer has exited";
  case EMBLY_EOUTOFMEMORY: return "out of memory";
  case EMBLY_EHTTP_MALFORMED: return "malformed HTTP message";
  case EMBLY_EHTTP_TRUNCATED: return "HTTP message ended early";
  case EMBLY_EHTTP_TOO_LARGE: return "HTTP header section too large";
  default: return "unknown error";
  }
}

/* ---------------------------------------------------------------- the raw imports */

#define EMBLY_IMPORT(name) __attribute__((import_module("embly"), import_name(#name)))

EMBLY_IMPORT(read)
int32_t embly_sys_read(uint32_t handle, uint8_t *buf, uint32_t len, uint32_t *nread_out);
EMBLY_IMPORT(write)
int32_t embly_sys_write(uint32_t handle, const uint8_t *buf, uint32_t len, uint32_t *nwritten_out);
EMBLY_IMPORT(spawn)
int32_t embly_sys_spawn(const uint8_t *name_ptr, uint32_t name_len, uint32_t *handle_out);
EMBLY_IMPORT(events)
int32_t embly_sys_events(int64_t timeout_ns, uint32_t *handles_ptr, uint32_t cap, uint32_t *n_out);
EMBLY_IMPORT(close)
int32_t embly_sys_close(uint32_t handle);

/* ---------------------------------------------------------------- growable buffers */

/* Bytes owned by the caller: zero-initialise, free with embly_buffer_free(). */
typedef struct {
  uint8_t *data;
  size_t len;
  size_t cap;
} embly_buffer;

static inline void embly_buffer_free(embly_buffer *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

/* Makes room for `extra` more bytes (plus a NUL the HTTP parser relies on). */
static inline embly_err_t embly_buffer_reserve(embly_buffer *b, size_t extra) {
  size_t need = b->len + extra + 1;
  if (need <= b->cap) return EMBLY_OK;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < need) cap *= 2;
  uint8_t *data = (uint8_t *)realloc(b->data, cap);
  if (!data) return EMBLY_EOUTOFMEMORY;
  b->data = data;
  b->cap = cap;
  return EMBLY_OK;
}

static inline embly_err_t embly_buffer_append(embly_buffer *b, const void *bytes, size_t len) {
  embly_err_t err = embly_buffer_reserve(b, len);
  if (err != EMBLY_OK) return err;
  memcpy(b->data + b->len, bytes, len);
  b->len += len;
  b->data[b->len] = 0;
  return EMBLY_OK;
}

/* ---------------------------------------------------------------- bytes set aside
 *
 * events() reports every readable handle, and a handle stays readable while its bytes or its
 * EOF are unread. Waiting for one child while the parent's EOF (or another child's answer)
 * sits unread would wake at once, forever: a busy loop. So while waiting for some handles the
 * SDK moves the others' bytes and EOF here; reads are served from here first and
 * embly_events() reports these handles as readable. The table is a weak definition so every
 * translation unit including this header shares one. */

typedef struct {
  embly_handle_t handle;
  embly_buffer bytes;
  size_t taken;  /* bytes already handed out */
  int eof;       /* the peer closed and everything up to that was moved here */
  int eof_seen;  /* a read has returned 0 for it */
} embly__pending_entry;

typedef struct {
  embly__pending_entry *entries;
  size_t count;
  size_t cap;
} embly__pending_table;

__attribute__((weak)) embly__pending_table embly__pending = {NULL, 0, 0};

static inline embly__pending_entry *embly__pending_find(embly_handle_t h) {
  for (size_t i = 0; i < embly__pending.count; i++) {
    if (embly__pending.entries[i].handle == h) return &embly__pending.entries[i];
  }
  return NULL;
}

static inline int embly__pending_readable(const embly__pending_entry *e) {
  return e && (e->taken < e->bytes.len || (e->eof && !e->eof_seen));
}

static inline void embly__pending_remove(embly__pending_entry *e) {
  embly_buffer_free(&e->bytes);
  *e = embly__pending.entries[--embly__pending.count];
}

/* Serves a read from bytes set aside; returns 1 (with *n, 0 = EOF) if h had any. */
static inline int embly__pending_take(embly_handle_t h, void *buf, size_t len, size_t *n) {
  embly__pending_entry *e = embly__pending_find(h);
  if (!e) return 0;
  size_t available = e->bytes.len - e->taken;
  *n = available < len ? available : len;
  memcpy(buf, e->bytes.data + e->taken, *n);
  e->taken += *n;
  if (*n > 0) return 1;
  if (e->eof) {
    e->eof_seen = 1;
    return 1;
  }
  embly__pending_remove(e);
  return 0;
}

static inline embly_err_t embly__pending_keep(embly_handle_t h, const void *bytes, size_t len, int eof) {
  embly__pending_entry *e = embly__pending_find(h);
  if (!e && embly__pending.count == embly__pending.cap) {
    size_t cap = embly__pending.cap ? embly__pending.cap * 2 : 4;
    void *grown = realloc(embly__pending.entries, cap * sizeof *e);
    if (!grown) return EMBLY_EOUTOFMEMORY;
    embly__pending.entries = (embly__pending_entry *)grown;
    embly__pending.cap = cap;
  }
  if (!e) {
    e = &embly__pending.entries[embly__pending.count++];
    memset(e, 0, sizeof *e);
    e->handle = h;
  }
  e->eof |= eof;
  return embly_buffer_append(&e->bytes, bytes, len);
}

/* ---------------------------------------------------------------- handles */

/* The `read` import itself, bypassing bytes set aside. */
static inline embly_err_t embly__runner_read(embly_handle_t h, void *buf, size_t len, size_t *nread) {
  uint32_t n = 0;
  embly_err_t err = embly_sys_read(h, (uint8_t *)buf, (uint32_t)len, &n);
  *nread = err == EMBLY_OK ? n : 0;
  return err;
}

/* Takes whatever bytes are buffered, without waiting. EMBLY_EAGAIN: nothing yet;
 * EMBLY_OK with *nread == 0 (for len > 0): the peer closed and everything was read. */
static inline embly_err_t embly_try_read(embly_handle_t h, void *buf, size_t len, size_t *nread) {
  *nread = 0;
  if (len == 0 || embly__pending_take(h, buf, len, nread)) return EMBLY_OK;
  return embly__runner_read(h, buf, len, nread);
}

/* Moves everything h has buffered (and its EOF) aside. */
static inline embly_err_t embly__set_aside(embly_handle_t h) {
  uint8_t chunk[1024];
  for (;;) {
    size_t n = 0;
    embly_err_t err = embly__runner_read(h, chunk, sizeof chunk, &n);
    if (err == EMBLY_EAGAIN) return EMBLY_OK;
    if (err == EMBLY_OK) err = embly__pending_keep(h, chunk, n, n == 0);
    if (err != EMBLY_OK || n == 0) return err;
  }
}

static inline int embly__contains(const embly_handle_t *handles, size_t count, embly_handle_t h) {
  for (size_t i = 0; i < count; i++) {
    if (handles[i] == h) return 1;
  }
  return 0;
}

/* Blocks until one of interest[0..count) is readable, setting other handles' bytes aside so
 * they do not wake the wait again. A zero count while waiting forever means nothing can
 * ever become readable: reported as EAGAIN so callers stop instead of spinning. */
static inline embly_err_t embly__wait_for(const embly_handle_t *interest, size_t count) {
  embly_handle_t ready[16];
  for (;;) {
    for (size_t i = 0; i < count; i++) {
      if (embly__pending_readable(embly__pending_find(interest[i]))) return EMBLY_OK;
    }
    uint32_t n = 0;
    embly_err_t err = embly_sys_events(-1, ready, 16, &n);
    if (err == EMBLY_OK && n == 0) err = EMBLY_EAGAIN;
    if (err != EMBLY_OK) return err;
    for (uint32_t i = 0; i < n; i++) {
      if (embly__contains(interest, count, ready[i])) return EMBLY_OK;
    }
    for (uint32_t i = 0; i < n && err == EMBLY_OK; i++) err = embly__set_aside(ready[i]);
    if (err != EMBLY_OK) return err;
  }
}

/* Waits until handles are readable (bytes buffered, or closed with EOF unread) and stores
 * up to cap of them in ready[0..*n); *n == 0 on timeout. timeout_ns: EMBLY_WAIT_FOREVER,
 * or 0 to poll. With nothing that could ever become readable it returns at once, *n == 0. */
static inline embly_err_t embly_events(int64_t timeout_ns, embly_handle_t *ready, uint32_t cap, uint32_t *n) {
  uint32_t early = 0;
  for (size_t i = 0; i < embly__pending.count && early < cap; i++) {
    if (embly__pending_readable(&embly__pending.entries[i])) ready[early++] = embly__pending.entries[i].handle;
  }
  uint32_t more = 0;
  /* Handles set aside are readable now: only poll the runner for more. */
  embly_err_t err = embly_sys_events(early ? 0 : timeout_ns, ready + early, cap - early, &more);
  *n = early;
  for (uint32_t i = early; err == EMBLY_OK && i < early + more; i++) {
    if (!embly__contains(ready, *n, ready[i])) ready[(*n)++] = ready[i];
  }
  return err;
}

/* Reads at least one byte, waiting in events() while nothing is buffered; *nread == 0 is EOF. */
static inline embly_err_t embly_read(embly_handle_t h, void *buf, size_t len, size_t *nread) {
  for (;;) {
    embly_err_t err = embly_try_read(h, buf, len, nread);
    if (err != EMBLY_EAGAIN) return err;
    err = embly__wait_for(&h, 1);
    if (err != EMBLY_OK) return err;
  }
}

/* Sends bytes; the runner never writes short, so *nwritten == len on success. */
static inline embly_err_t embly_write(embly_handle_t h, const void *buf, size_t len, size_t *nwritten) {
  uint32_t n = 0;
  embly_err_t err = embly_sys_write(h, (const uint8_t *)buf, (uint32_t)len, &n);
  *nwritten = err == EMBLY_OK ? n : 0;
  return err;
}

/* Sends all of buf, looping should a write ever come back short. */
static inline embly_err_t embly_write_all(embly_handle_t h, const void *buf, size_t len) {
  const uint8_t *p = (const uint8_t *)buf;
  while (len > 0) {
    size_t n = 0;
    embly_err_t err = embly_write(h, p, len, &n);
    if (err != EMBLY_OK) return err;
    if (n == 0) return EMBLY_EPIPE;
    p += n;
    len -= n;
  }
  return EMBLY_OK;
}

static inline embly_err_t embly_write_str(embly_handle_t h, const char *text) {
  return embly_write_all(h, text, strlen(text));
}

/* Tells the peer no more bytes come from this side; reading stays possible. */
static inline embly_err_t embly_close(embly_handle_t h) {
  return embly_sys_close(h);
}

/* Starts an instance of the project's function `name`; stores its handle in *child. */
static inline embly_err_t embly_spawn(const char *name, embly_handle_t *child) {
  return embly_sys_spawn((const uint8_t *)name, (uint32_t)strlen(name), child);
}

/* Reads one chunk (waiting if needed) onto the end of b; *eof is set when the peer closed. */
static inline embly_err_t embly_read_some(embly_handle_t h, embly_buffer *b, int *eof) {
  embly_err_t err = embly_buffer_reserve(b, 4096);
  if (err != EMBLY_OK) return err;
  size_t n = 0;
  err = embly_read(h, b->data + b->len, 4096, &n);
  if (err != EMBLY_OK) return err;
  b->len += n;
  b->data[b->len] = 0;
  *eof = n == 0;
  return EMBLY_OK;
}

/* Appends everything up to the peer's close (EOF) to b. */
static inline embly_err_t embly_read_to_end(embly_handle_t h, embly_buffer *b) {
  int eof = 0;
  while (!eof) {
    embly_err_t err = embly_read_some(h, b, &eof);
    if (err != EMBLY_OK) return err;
  }
  return EMBLY_OK;
}

/* Takes all buffered bytes of h into b without waiting; *eof once the peer closed. */
static inline embly_err_t embly__drain(embly_handle_t h, embly_buffer *b, int *eof) {
  for (;;) {
    embly_err_t err = embly_buffer_reserve(b, 4096);
    if (err != EMBLY_OK) return err;
    size_t n = 0;
    err = embly_try_read(h, b->data + b->len, 4096, &n);
    if (err == EMBLY_EAGAIN) return EMBLY_OK;
    if (err != EMBLY_OK) return err;
    b->len += n;
    b->data[b->len] = 0;
    if (n == 0) {
      *eof = 1;
      return EMBLY_OK;
    }
  }
}

/* One pass over the open handles (moved to the front of `open`); returns how many stay open. */
static inline embly_err_t embly__drain_open(embly_handle_t *open, size_t *open_count, const embly_handle_t *handles,
                                            size_t count, embly_buffer *out) {
  size_t still_open = 0;
  for (size_t i = 0; i < count; i++) {
    if (!embly__contains(open, *open_count, handles[i])) continue;
    int eof = 0;
    embly_err_t err = embly__drain(handles[i], &out[i], &eof);
    if (err != EMBLY_OK) return err;
    if (!eof) open[still_open++] = handles[i];
  }
  *open_count = still_open;
  return EMBLY_OK;
}

/* Reads handles[0..count) to EOF at once, in whatever order bytes arrive, into out[i]
 * (zero-initialised by the caller); a slow peer never holds up the others. */
static inline embly_err_t embly_read_all(const embly_handle_t *handles, size_t count, embly_buffer *out) {
  embly_handle_t *open = (embly_handle_t *)malloc((count ? count : 1) * sizeof *open);
  if (!open) return EMBLY_EOUTOFMEMORY;
  memcpy(open, handles, count * sizeof *open);
  size_t open_count = count;
  embly_err_t err = embly__drain_open(open, &open_count, handles, count, out);
  while (err == EMBLY_OK && open_count > 0) {
    err = embly__wait_for(open, open_count);
    if (err == EMBLY_OK) err = embly__drain_open(open, &open_count, handles, count, out);
  }
  free(open);
  return err;
}

/* ---------------------------------------------------------------- HTTP */

#define EMBLY_HTTP_MAX_HEADERS 64
#define EMBLY_HTTP_MAX_HEAD_BYTES (64 * 1024)

typedef struct {
  const char *name;
  const char *value;
} embly_http_header;

/* A parsed request. Strings point into `raw` and are NUL-terminated; the body is de-chunked
 * and followed by a NUL too (handy for text). Free with embly_http_request_free(). */
typedef struct {
  const char *method;
  const char *path; /* the request target as sent, query string included */
  const char *version;
  embly_http_header headers[EMBLY_HTTP_MAX_HEADERS];
  size_t header_count;
  const uint8_t *body;
  size_t body_len;
  embly_buffer raw;
} embly_http_request;

static inline void embly_http_request_free(embly_http_request *req) {
  embly_buffer_free(&req->raw);
  memset(req, 0, sizeof *req);
}

static inline int embly__lower(int c) {
  return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Case-insensitive comparison of a NUL-terminated `name` with s[0..len). */
static inline int embly__ieq(const char *s, size_t len, const char *name) {
  for (size_t i = 0; i < len; i++) {
    if (!name[i] || embly__lower((unsigned char)s[i]) != embly__lower((unsigned char)name[i])) return 0;
  }
  return name[len] == 0;
}

/* The first header called `name` (case-insensitive), or NULL. */
static inline const char *embly_http_header_get(const embly_http_request *req, const char *name) {
  for (size_t i = 0; i < req->header_count; i++) {
    if (embly__ieq(req->headers[i].name, strlen(req->headers[i].name), name)) return req->headers[i].value;
  }
  return NULL;
}

/* Length of the head including its blank line; 0 while the blank line has not arrived. */
static inline size_t embly__head_end(const uint8_t *buf, size_t len) {
  size_t line = 0;
  for (size_t i = 0; i < len; i++) {
    if (buf[i] != '\n') continue;
    size_t line_len = i - line;
    if (line_len == 0 || (line_len == 1 && buf[line] == '\r')) return i + 1;
    line = i + 1;
  }
  return 0;
}

typedef enum { EMBLY__BODY_NONE, EMBLY__BODY_LENGTH, EMBLY__BODY_CHUNKED } embly__framing;

static inline int embly__contains_chunked(const char *v, size_t len) {
  for (size_t i = 0; i + 7 <= len; i++) {
    if (embly__ieq(v + i, 7, "chunked")) return 1;
  }
  return 0;
}

/* Parses a Content-Length value (digits only); -1 when invalid. */
static inline long long embly__parse_length(const char *v, size_t len) {
  while (len > 0 && (*v == ' ' || *v == '\t')) v++, len--;
  while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t' || v[len - 1] == '\r')) len--;
  if (len == 0 || len > 15) return -1;
  long long n = 0;
  for (size_t i = 0; i < len; i++) {
    if (v[i] < '0' || v[i] > '9') return -1;
    n = n * 10 + (v[i] - '0');
  }
  return n;
}

/* Finds the body framing by scanning the head without modifying it. */
static inline embly_err_t embly__framing_of(const char *head, size_t head_len, embly__framing *framing, size_t *length) {
  long long found = -1;
  *framing = EMBLY__BODY_NONE;
  const char *line = (const char *)memchr(head, '\n', head_len);
  while (line && (size_t)(line + 1 - head) < head_len) {
    const char *start = line + 1;
    line = (const char *)memchr(start, '\n', head_len - (size_t)(start - head));
    const char *colon = (const char *)memchr(start, ':', line ? (size_t)(line - start) : 0);
    if (!colon) continue;
    const char *value = colon + 1;
    size_t value_len = (size_t)(line - value);
    if (embly__ieq(start, (size_t)(colon - start), "transfer-encoding") && embly__contains_chunked(value, value_len)) {
      *framing = EMBLY__BODY_CHUNKED;
      return EMBLY_OK;
    }
    if (!embly__ieq(start, (size_t)(colon - start), "content-length")) continue;
    long long n = embly__parse_length(value, value_len);
    if (n < 0 || (found >= 0 && n != found)) return EMBLY_EHTTP_MALFORMED;
    found = n;
  }
  if (found >= 0) {
    *framing = EMBLY__BODY_LENGTH;
    *length = (size_t)found;
  }
  return EMBLY_OK;
}

/* Parses a hex chunk size line at p[0..len): its size and its length; 0 line length while incomplete. */
static inline embly_err_t embly__chunk_line(const uint8_t *p, size_t len, size_t *size, size_t *line_len) {
  const uint8_t *nl = (const uint8_t *)memchr(p, '\n', len);
  *line_len = 0;
  if (!nl) return EMBLY_OK;
  size_t n = 0, digits = 0;
  for (const uint8_t *c = p; c < nl && *c != ';' && *c != '\r' && *c != ' '; c++, digits++) {
    int d = (*c >= '0' && *c <= '9') ? *c - '0' : (embly__lower(*c) >= 'a' && embly__lower(*c) <= 'f') ? embly__lower(*c) - 'a' + 10 : -1;
    if (d < 0 || digits >= 15) return EMBLY_EHTTP_MALFORMED;
    n = n * 16 + (size_t)d;
  }
  if (digits == 0) return EMBLY_EHTTP_MALFORMED;
  *size = n;
  *line_len = (size_t)(nl - p) + 1;
  return EMBLY_OK;
}

/* Walks (and, when `out` is given, de-chunks in place) a chunked body at p[0..len).
 * *complete says whether the last chunk and the trailers have arrived. */
static inline embly_err_t embly__chunked(uint8_t *p, size_t len, uint8_t *out, size_t *out_len, int *complete) {
  size_t at = 0, size = 0, line_len = 0, written = 0;
  *complete = 0;
  for (;;) {
    embly_err_t err = embly__chunk_line(p + at, len - at, &size, &line_len);
    if (err != EMBLY_OK || line_len == 0) return err;
    at += line_len;
    if (size == 0) break;
    if (len - at < size + 2) return EMBLY_OK;
    if (p[at + size] != '\r' || p[at + size + 1] != '\n') return EMBLY_EHTTP_MALFORMED;
    if (out) memmove(out + written, p + at, size);
    written += size;
    at += size + 2;
  }
  size_t trailers = embly__head_end(p + at, len - at);
  *complete = trailers > 0 || (len - at >= 2 && p[at] == '\r' && p[at + 1] == '\n');
  *out_len = written;
  return EMBLY_OK;
}

/* Whether buf holds a complete request; fills *head_len once it does. */
static inline embly_err_t embly__request_complete(embly_buffer *b, size_t *head_len, int *complete) {
  *complete = 0;
  *head_len = embly__head_end(b->data, b->len);
  if (*head_len == 0) return b->len > EMBLY_HTTP_MAX_HEAD_BYTES ? EMBLY_EHTTP_TOO_LARGE : EMBLY_OK;
  embly__framing framing;
  size_t length = 0, decoded = 0;
  embly_err_t err = embly__framing_of((const char *)b->data, *head_len, &framing, &length);
  if (err != EMBLY_OK) return err;
  size_t body_bytes = b->len - *head_len;
  if (framing == EMBLY__BODY_CHUNKED) return embly__chunked(b->data + *head_len, body_bytes, NULL, &decoded, complete);
  *complete = framing == EMBLY__BODY_NONE || body_bytes >= length;
  return EMBLY_OK;
}

/* Cuts *cursor at the next `sep` (NUL-terminating it) and moves past it; returns the piece. */
static inline char *embly__cut(char **cursor, char sep) {
  char *start = *cursor;
  char *end = strchr(start, sep);
  if (end) {
    *end = 0;
    *cursor = end + 1;
  } else {
    *cursor = start + strlen(start);
  }
  return start;
}

static inline char *embly__trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  size_t len = strlen(s);
  while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r')) s[--len] = 0;
  return s;
}

/* Splits the head in place into NUL-terminated method, path, version and headers. */
static inline embly_err_t embly__parse_head(embly_http_request *req, char *head, size_t head_len) {
  head[head_len - 1] = 0; /* the blank line's '\n' ends the last string */
  char *cursor = head;
  char *words = embly__trim(embly__cut(&cursor, '\n'));
  req->method = embly__cut(&words, ' ');
  req->path = embly__trim(embly__cut(&words, ' '));
  req->version = embly__trim(words);
  if (!*req->method || !*req->path) return EMBLY_EHTTP_MALFORMED;
  while (*cursor) {
    char *line = embly__trim(embly__cut(&cursor, '\n'));
    if (!*line) continue;
    char *colon = strchr(line, ':');
    if (!colon || colon == line) return EMBLY_EHTTP_MALFORMED;
    if (req->header_count == EMBLY_HTTP_MAX_HEADERS) return EMBLY_EHTTP_TOO_LARGE;
    *colon = 0;
    if (strpbrk(line, " \t")) return EMBLY_EHTTP_MALFORMED;
    req->headers[req->header_count].name = line;
    req->headers[req->header_count].value = embly__trim(colon + 1);
    req->header_count++;
  }
  return EMBLY_OK;
}

/* Parses the complete request held in req->raw (head_len from embly__request_complete). */
static inline embly_err_t embly__parse_request(embly_http_request *req, size_t head_len) {
  uint8_t *body = req->raw.data + head_len;
  size_t body_bytes = req->raw.len - head_len;
  embly__framing framing;
  size_t length = 0;
  embly_err_t err = embly__framing_of((const char *)req->raw.data, head_len, &framing, &length);
  if (err != EMBLY_OK) return err;
  if (framing == EMBLY__BODY_CHUNKED) {
    int complete = 0;
    err = embly__chunked(body, body_bytes, body, &length, &complete);
    if (err != EMBLY_OK) return err;
  } else if (framing == EMBLY__BODY_NONE) {
    length = 0;
  }
  body[length] = 0;
  req->body = body;
  req->body_len = length;
  return embly__parse_head(req, (char *)req->raw.data, head_len);
}

/* Reads the request from h (normally EMBLY_HANDLE_PARENT) until it is complete or the peer
 * closes, waiting in events() while nothing is buffered. On success free it with
 * embly_http_request_free(); on failure nothing needs freeing. */
static inline embly_err_t embly_http_read_request(embly_handle_t h, embly_http_request *req) {
  memset(req, 0, sizeof *req);
  size_t head_len = 0;
  int complete = 0, eof = 0;
  embly_err_t err = EMBLY_OK;
  while (err == EMBLY_OK && !complete && !eof) {
    err = embly_read_some(h, &req->raw, &eof);
    if (err == EMBLY_OK) err = embly__request_complete(&req->raw, &head_len, &complete);
  }
  if (err == EMBLY_OK && !complete) err = EMBLY_EHTTP_TRUNCATED;
  if (err == EMBLY_OK) err = embly__parse_request(req, head_len);
  if (err != EMBLY_OK) embly_http_request_free(req);
  return err;
}

/* The standard reason phrase for a status code ("" if unknown, which HTTP allows). */
static inline const char *embly_http_reason(int status) {
  switch (status) {
  case 100: return "Continue";
  case 200: return "OK";
  case 201: return "Created";
  case 202: return "Accepted";
  case 204: return "No Content";
  case 301: return "Moved Permanently";
  case 302: return "Found";
  case 303: return "See Other";
  case 304: return "Not Modified";
  case 307: return "Temporary Redirect";
  case 308: return "Permanent Redirect";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 408: return "Request Timeout";
  case 409: return "Conflict";
  case 411: return "Length Required";
  case 413: return "Content Too Large";
  case 415: return "Unsupported Media Type";
  case 422: return "Unprocessable Content";
  case 429: return "Too Many Requests";
  case 431: return "Request Header Fields Too Large";
  case 500: return "Internal Server Error";
  case 501: return "Not Implemented";
  case 502: return "Bad Gateway";
  case 503: return "Service Unavailable";
  case 504: return "Gateway Timeout";
  default: return "";
  }
}

/* Appends the decimal digits of n (no printf: it would triple a hello's size). */
static inline embly_err_t embly__append_uint(embly_buffer *b, size_t n) {
  char digits[24];
  size_t i = sizeof digits;
  do {
    digits[--i] = (char)('0' + n % 10);
    n /= 10;
  } while (n > 0);
  return embly_buffer_append(b, digits + i, sizeof digits - i);
}

static inline embly_err_t embly__append_str(embly_buffer *b, const char *s) {
  return embly_buffer_append(b, s, strlen(s));
}

static inline int embly__is_framing_header(const char *name) {
  size_t len = strlen(name);
  return embly__ieq(name, len, "content-length") || embly__ieq(name, len, "transfer-encoding");
}

/* Status line, the caller's headers, Content-Length (unless the status has no body). */
static inline embly_err_t embly__response_head(embly_buffer *b, int status, const embly_http_header *headers,
                                               size_t header_count, size_t body_len, int bodiless) {
  embly_err_t err = embly__append_str(b, "HTTP/1.1 ");
  if (err == EMBLY_OK) err = embly__append_uint(b, (size_t)status);
  if (err == EMBLY_OK) err = embly__append_str(b, " ");
  if (err == EMBLY_OK) err = embly__append_str(b, embly_http_reason(status));
  if (err == EMBLY_OK) err = embly__append_str(b, "\r\n");
  for (size_t i = 0; i < header_count && err == EMBLY_OK; i++) {
    if (embly__is_framing_header(headers[i].name)) continue; /* we frame the body ourselves */
    err = embly__append_str(b, headers[i].name);
    if (err == EMBLY_OK) err = embly__append_str(b, ": ");
    if (err == EMBLY_OK) err = embly__append_str(b, headers[i].value);
    if (err == EMBLY_OK) err = embly__append_str(b, "\r\n");
  }
  if (err == EMBLY_OK && !bodiless) err = embly__append_str(b, "Content-Length: ");
  if (err == EMBLY_OK && !bodiless) err = embly__append_uint(b, body_len);
  if (err == EMBLY_OK && !bodiless) err = embly__append_str(b, "\r\n");
  if (err == EMBLY_OK) err = embly__append_str(b, "\r\n");
  return err;
}

/* Writes a complete HTTP/1.1 response to h in one write: status line, headers,
 * Content-Length, blank line, body. 1xx, 204 and 304 responses carry no body. */
static inline embly_err_t embly_http_write_response(embly_handle_t h, int status, const embly_http_header *headers,
                                                    size_t header_count, const void *body, size_t body_len) {
  int bodiless = status < 200 || status == 204 || status == 304;
  embly_buffer out = {NULL, 0, 0};
  embly_err_t err = embly__response_head(&out, status, headers, header_count, body_len, bodiless);
  if (err == EMBLY_OK && !bodiless) err = embly_buffer_append(&out, body, body_len);
  if (err == EMBLY_OK) err = embly_write_all(h, out.data, out.len);
  embly_buffer_free(&out);
  return err;
}

/* A text/plain (UTF-8) response. */
static inline embly_err_t embly_http_respond_text(embly_handle_t h, int status, const char *text) {
  static const embly_http_header content_type = {"Content-Type", "text/plain; charset=utf-8"};
  return embly_http_write_response(h, status, &content_type, 1, text, strlen(text));
}

/* Answers one request: reads it from handle 1, calls `handler` (which writes the response
 * to EMBLY_HANDLE_PARENT), and closes handle 1. A request that cannot be read is answered
 * without calling the handler: 413 if it does not fit in the function's memory, 431 if its
 * header section is too large, 400 if it is malformed. Returns the first error. */
typedef embly_err_t (*embly_http_handler)(const embly_http_request *req);

static inline embly_err_t embly_http_serve(embly_http_handler handler) {
  embly_http_request req;
  embly_err_t err = embly_http_read_request(EMBLY_HANDLE_PARENT, &req);
  if (err == EMBLY_OK) {
    err = handler(&req);
    embly_http_request_free(&req);
  } else if (err == EMBLY_EOUTOFMEMORY) {
    err = embly_http_respond_text(EMBLY_HANDLE_PARENT, 413, "request too large for this function's memory\n");
  } else if (err == EMBLY_EHTTP_TOO_LARGE) {
    err = embly_http_respond_text(EMBLY_HANDLE_PARENT, 431, "request header section too large\n");
  } else if (err < 0) {
    err = embly_http_respond_text(EMBLY_HANDLE_PARENT, 400, "bad request\n");
  }
  embly_err_t closed = embly_close(EMBLY_HANDLE_PARENT);
  return err != EMBLY_OK ? err : closed;
}

/* ---------------------------------------------------------------- outbound HTTP (embly/http) */

/* A parsed response. Strings point into `raw` and are NUL-terminated; the body is de-chunked
 * and followed by a NUL. Free with embly_http_response_free(). */
typedef struct {
  int status;
  const char *reason;
  embly_http_header headers[EMBLY_HTTP_MAX_HEADERS];
  size_t header_count;
  const uint8_t *body;
  size_t body_len;
  embly_buffer raw;
} embly_http_response;

static inline void embly_http_response_free(embly_http_response *res) {
  embly_buffer_free(&res->raw);
  memset(res, 0, sizeof *res);
}

/* The first header called `name` (case-insensitive), or NULL. */
static inline const char *embly_http_response_header(const embly_http_response *res, const char *name) {
  for (size_t i = 0; i < res->header_count; i++) {
    if (embly__ieq(res->headers[i].name, strlen(res->headers[i].name), name)) return res->headers[i].value;
  }
  return NULL;
}

/* Parses the complete response held in res->raw; `bodiless`: it answers a HEAD request. */
static inline embly_err_t embly__parse_response(embly_http_response *res, int head_request) {
  size_t head_len = embly__head_end(res->raw.data, res->raw.len);
  if (head_len == 0) return res->raw.len > EMBLY_HTTP_MAX_HEAD_BYTES ? EMBLY_EHTTP_TOO_LARGE : EMBLY_EHTTP_TRUNCATED;
  embly__framing framing;
  size_t length = 0;
  embly_err_t err = embly__framing_of((const char *)res->raw.data, head_len, &framing, &length);
  if (err != EMBLY_OK) return err;
  embly_http_request head; /* the start line's three words and the headers, as for a request */
  memset(&head, 0, sizeof head);
  err = embly__parse_head(&head, (char *)res->raw.data, head_len);
  if (err != EMBLY_OK) return err;
  int status = 0;
  for (const char *c = head.path; *c; c++) {
    if (*c < '0' || *c > '9' || status > 99) return EMBLY_EHTTP_MALFORMED;
    status = status * 10 + (*c - '0');
  }
  if (status < 100 || strncmp(head.method, "HTTP/1.", 7) != 0) return EMBLY_EHTTP_MALFORMED;
  uint8_t *body = res->raw.data + head_len;
  size_t body_bytes = res->raw.len - head_len;
  if (head_request || status < 200 || status == 204 || status == 304) {
    length = 0;
  } else if (framing == EMBLY__BODY_CHUNKED) {
    int complete = 0;
    err = embly__chunked(body, body_bytes, body, &length, &complete);
    if (err == EMBLY_OK && !complete) err = EMBLY_EHTTP_TRUNCATED;
  } else if (framing == EMBLY__BODY_LENGTH) {
    if (body_bytes < length) err = EMBLY_EHTTP_TRUNCATED;
  } else {
    length = body_bytes; /* until EOF */
  }
  if (err != EMBLY_OK) return err;
  body[length] = 0;
  res->status = status;
  res->reason = head.version;
  memcpy(res->headers, head.headers, sizeof head.headers);
  res->header_count = head.header_count;
  res->body = body;
  res->body_len = length;
  return EMBLY_OK;
}

/* Reads a response from h until EOF (embly/http and child functions close after theirs) and
 * parses it; `head_request`: it answers a HEAD, so it has no body. On success free it with
 * embly_http_response_free(); on failure nothing needs freeing. */
static inline embly_err_t embly_http_read_response(embly_handle_t h, int head_request, embly_http_response *res) {
  memset(res, 0, sizeof *res);
  embly_err_t err = embly_read_to_end(h, &res->raw);
  if (err == EMBLY_OK) err = embly_buffer_reserve(&res->raw, 1); /* room for the body's NUL */
  if (err == EMBLY_OK) err = embly__parse_response(res, head_request);
  if (err != EMBLY_OK) embly_http_response_free(res);
  return err;
}

/* The request bytes: "METHOD URL HTTP/1.1", Host from the URL unless given, the headers, a
 * Content-Length when there is a body (or the method usually has one), the body. */
static inline embly_err_t embly__outbound_request(embly_buffer *b, const char *method, const char *url,
                                                  const embly_http_header *headers, size_t header_count,
                                                  const void *body, size_t body_len) {
  embly_err_t err = embly__append_str(b, method);
  if (err == EMBLY_OK) err = embly__append_str(b, " ");
  if (err == EMBLY_OK) err = embly__append_str(b, url);
  if (err == EMBLY_OK) err = embly__append_str(b, " HTTP/1.1\r\n");
  int has_host = 0;
  for (size_t i = 0; i < header_count && err == EMBLY_OK; i++) {
    if (embly__is_framing_header(headers[i].name)) continue;
    has_host |= embly__ieq(headers[i].name, strlen(headers[i].name), "host");
    err = embly__append_str(b, headers[i].name);
    if (err == EMBLY_OK) err = embly__append_str(b, ": ");
    if (err == EMBLY_OK) err = embly__append_str(b, headers[i].value);
    if (err == EMBLY_OK) err = embly__append_str(b, "\r\n");
  }
  const char *authority = strstr(url, "://");
  if (err == EMBLY_OK && !has_host && authority) {
    authority += 3;
    err = embly__append_str(b, "Host: ");
    if (err == EMBLY_OK) err = embly_buffer_append(b, authority, strcspn(authority, "/?#"));
    if (err == EMBLY_OK) err = embly__append_str(b, "\r\n");
  }
  int with_length = body_len > 0 || !strcmp(method, "POST") || !strcmp(method, "PUT") || !strcmp(method, "PATCH");
  if (err == EMBLY_OK && with_length) err = embly__append_str(b, "Content-Length: ");
  if (err == EMBLY_OK && with_length) err = embly__append_uint(b, body_len);
  if (err == EMBLY_OK && with_length) err = embly__append_str(b, "\r\n");
  if (err == EMBLY_OK) err = embly__append_str(b, "\r\n");
  if (err == EMBLY_OK && body_len > 0) err = embly_buffer_append(b, body, body_len);
  return err;
}

/* Makes one outbound HTTP call through the special function embly/http: `url` is absolute
 * ("https://api.example.com/v1/x") and its origin must be in the function's
 * allowed_outbound_hosts (else the answer is a 403 from Embly, and without any entry the
 * spawn fails: EMBLY_EACCES). Embly's own answers (403, 502, 503, 504) carry an
 * Embly-Error header. On success free *res with embly_http_response_free(). */
static inline embly_err_t embly_http_send(const char *method, const char *url, const embly_http_header *headers,
                                          size_t header_count, const void *body, size_t body_len,
                                          embly_http_response *res) {
  memset(res, 0, sizeof *res);
  embly_handle_t child = 0;
  embly_err_t err = embly_spawn("embly/http", &child);
  if (err != EMBLY_OK) return err;
  embly_buffer request = {NULL, 0, 0};
  err = embly__outbound_request(&request, method, url, headers, header_count, body, body_len);
  if (err == EMBLY_OK) err = embly_write_all(child, request.data, request.len);
  embly_buffer_free(&request);
  embly_err_t closed = embly_close(child);
  if (err == EMBLY_OK) err = closed;
  if (err == EMBLY_OK) err = embly_http_read_response(child, !strcmp(method, "HEAD"), res);
  return err;
}

#ifdef __cplusplus
}
#endif

#endif /* EMBLY_H */
