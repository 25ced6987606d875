/* The guests of this runner by address (serve mode), in a u64_map: every
 * DATA frame looks its target up. */
#ifndef EMBLY_RUNNER_ADDRESSES_H
#define EMBLY_RUNNER_ADDRESSES_H

#include <stdbool.h>
#include <stdint.h>

#include "guest.h"

bool addresses_put(uint64_t address, guest* g);
guest* addresses_get(uint64_t address);
void addresses_remove(uint64_t address);

#endif
