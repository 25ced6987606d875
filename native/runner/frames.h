/* The master socket's frames (docs/protocol.md), runner side. */
#ifndef EMBLY_RUNNER_FRAMES_H
#define EMBLY_RUNNER_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipe.h"

/* 2: STARTED carries when the instance first runs, SPAWN_REQUEST when the
 * guest called spawn; 3: MEMORY_QUERY and MEMORY_SIZE; 4: STARTED also when
 * SPAWN was read (docs/protocol.md). */
#define FRAME_PROTOCOL_VERSION 4
#define FRAME_MAX_DATA (1u << 20)
#define FRAME_MAX_BYTES (FRAME_MAX_DATA + 64u)

enum frame_kind {
  FRAME_HELLO = 1,
  FRAME_SPAWN = 2,
  FRAME_STARTED = 3,
  FRAME_DATA = 4,
  FRAME_CLOSE = 5,
  FRAME_EXIT = 6,
  /* 7 is not used (an ERROR neither side sent) */
  FRAME_SPAWN_REQUEST = 8,
  FRAME_SPAWN_RESULT = 9,
  FRAME_LOG = 10,
  FRAME_KILL = 11,
  FRAME_PEER_EXIT = 12,
  /* a template runner (it forks isolation: process runners) and its master */
  FRAME_TEMPLATE_HELLO = 13,
  FRAME_FORK = 14,
  FRAME_FORKED = 15,
  FRAME_CHILD_EXIT = 16,
  FRAME_CREDIT = 17,
  /* `emblyctl ps`: the size of an instance's linear memory */
  FRAME_MEMORY_QUERY = 18,
  FRAME_MEMORY_SIZE = 19,
};

/* Flow control: at most this many bytes a reader has not credited are in
 * flight from one peer to another, and a writer blocks while as many more
 * wait to be sent. A reader credits what it has read once half a window has
 * accumulated, so small exchanges need no CREDIT at all. */
#define FRAME_WINDOW (256u * 1024)
#define FRAME_CREDIT_AFTER (FRAME_WINDOW / 2)
/* What a reader may hold of one writer's bytes, uncredited: a window in
 * flight, and the window a blocked writer held back, which goes out whatever
 * the window once the writer ends. More breaks the protocol. */
#define FRAME_MAX_UNCREDITED (2 * FRAME_WINDOW)

/* Fixed-size fields, read in order; `ok` turns false on a short frame. */
typedef struct {
  const uint8_t* at;
  size_t left;
  bool ok;
} frame_fields;

uint8_t frame_u8(frame_fields* f);
uint16_t frame_u16(frame_fields* f);
uint32_t frame_u32(frame_fields* f);
uint64_t frame_u64(frame_fields* f);

/* Appends one frame to `out`: kind, the fixed fields already encoded, and a
 * trailing byte string; all of it or, out of memory, none of it (false). */
typedef struct {
  uint8_t bytes[64];
  size_t len;
} frame_header;

void frame_put_u8(frame_header* h, uint8_t v);
void frame_put_u16(frame_header* h, uint16_t v);
void frame_put_u32(frame_header* h, uint32_t v);
void frame_put_u64(frame_header* h, uint64_t v);
bool frame_append(byte_pipe* out, uint8_t kind, const frame_header* fields,
                  const uint8_t* rest, size_t rest_len);

/* Bytes read from the socket at once (on the stack). */
#define FRAME_READ_CHUNK 65536

typedef bool (*frame_handler)(uint8_t kind, frame_fields* f);

/* Writes what it can of `out` to the non-blocking `fd`; false if the master
 * is gone. */
bool frames_flush(int fd, byte_pipe* out);

/* Reads what is there into `in` and hands every complete frame to `handle`;
 * false when the master closed, or sent a frame that is malformed or that
 * `handle` refuses. */
bool frames_read(int fd, byte_pipe* in, frame_handler handle);

#endif
