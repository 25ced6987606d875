/* The script the host-call harness's guest plays (guest_module.c): a
 * sequence of operations, each one byte then its operands, little-endian:
 *
 *   FUZZ_OP_STORE  u16 offset (in units of FUZZ_STORE_ALIGN), u8 n, n bytes:
 *                  the guest stores bytes into its own memory
 *   any other op   the host call imports[op % IMPORT_COUNT], then its
 *                  arguments: 4 bytes per i32, 8 per i64
 *
 * A script cut short reads zeros. */
#ifndef EMBLY_FUZZ_SCRIPT_H
#define EMBLY_FUZZ_SCRIPT_H

#include <stddef.h>
#include <stdint.h>

#define FUZZ_OP_STORE 0xff
#define FUZZ_STORE_ALIGN 4
#define FUZZ_GUEST_PAGES 1

typedef struct {
  const uint8_t* bytes;
  size_t len, at;
} fuzz_script;

#endif
