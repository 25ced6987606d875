/* What differs between the runner's modes: `exec` (one root instance on
 * stdin/stdout, children started in this process) and `serve` (instances
 * started by the master, every byte routed through it). */
#ifndef EMBLY_RUNNER_MODE_H
#define EMBLY_RUNNER_MODE_H

#include <stddef.h>
#include <stdint.h>

#include "guest.h"

typedef struct {
  /* Starts a child of `parent` running the function `name`; stores the
   * parent's handle for it. Returns an errno (docs/abi.md, spawn). May block
   * the parent's fiber while the child starts. */
  uint32_t (*spawn_child)(guest* parent, const char* name, uint32_t name_len,
                          uint32_t* handle);
  /* One complete log line of a guest's fd 1 or 2. */
  void (*log_line)(guest* g, int fd, const char* text, size_t len);
  /* Flow control, NULL where there is none (exec: peers share the process).
   * await_room blocks the guest until its handle may take more bytes and
   * answers how many of `want`; consumed is told what the guest read. */
  uint32_t (*await_room)(guest* g, handle_entry* h, uint32_t want);
  void (*consumed)(guest* g, handle_entry* h, size_t n);
} runner_mode;

extern const runner_mode* g_mode;

#endif
