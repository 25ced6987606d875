/* Pipes: one direction of bytes between two peers (instances, or an
 * instance and the outside world). A connection is two pipes. */
#ifndef EMBLY_RUNNER_PIPE_H
#define EMBLY_RUNNER_PIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct guest;

typedef struct byte_pipe {
  uint8_t* data;
  size_t start, end, capacity; /* buffered bytes are data[start, end) */
  bool writer_closed;          /* no more bytes will come: EOF after these */
  bool reader_gone;            /* the reader exited: writes fail with EPIPE */
  struct guest* reader;        /* told when bytes or EOF arrive; NULL if external */
  uint32_t reader_handle;      /* the reader's handle for this pipe */
  /* Set when the reader is another process (serve mode): bytes and EOF are
   * sent as DATA/CLOSE frames from `remote_from` to `remote_to`. */
  uint64_t remote_from, remote_to;
  bool in_outbox;              /* queued for sending */
  bool close_sent;
  /* Flow control of a remote pipe (docs/protocol.md, CREDIT). Writing side:
   * bytes sent as DATA that the reader has not credited yet, and the guest
   * waiting in write for room. Reading side: bytes the guest has read and
   * not yet credited to the writer. */
  size_t unacked;
  struct guest* blocked_writer;
  bool writer_ended; /* the writing guest has ended: the rest goes whatever the window */
  size_t uncredited;
  int refs;                    /* one per side holding it */
} byte_pipe;

byte_pipe* pipe_new(struct guest* reader);
void pipe_release(byte_pipe* p);

size_t pipe_buffered(const byte_pipe* p);
/* The buffered bytes, contiguous, for parsing in place; pipe_consume drops them. */
const uint8_t* pipe_peek(const byte_pipe* p);
void pipe_consume(byte_pipe* p, size_t len);

/* Called when a remote pipe gets bytes or its writer closes. */
extern void (*g_remote_pipe_changed)(byte_pipe* p);
/* Makes room for len more bytes, so that writes of that many cannot fail;
 * false when out of memory. */
bool pipe_reserve(byte_pipe* p, size_t len);
/* Appends bytes; false when out of memory. */
bool pipe_write(byte_pipe* p, const uint8_t* bytes, size_t len);
/* Moves up to len bytes out; returns how many. */
size_t pipe_read(byte_pipe* p, uint8_t* out, size_t len);
void pipe_close_writer(byte_pipe* p);
void pipe_close_reader(byte_pipe* p);
/* The writing guest let its closed handle go: a remote pipe sends what it
 * still holds (at most a window: write waits for room) without waiting for
 * credit, then its CLOSE. */
void pipe_writer_ended(byte_pipe* p);

#endif
