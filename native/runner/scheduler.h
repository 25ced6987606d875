/* Runs guests on their fibers, one at a time, in one thread. A guest runs
 * until it finishes, yields, blocks or is preempted at the end of its slice; blocked guests wake on bytes or EOF at
 * one of their handles, at their wake time, or at their deadline. */
#ifndef EMBLY_RUNNER_SCHEDULER_H
#define EMBLY_RUNNER_SCHEDULER_H

#include <stdbool.h>
#include <stdint.h>

#include "guest.h"

/* Called when a guest ends, before it is freed. */
typedef void (*guest_ended_fn)(guest* g);
/* Called right before the scheduler switches to a guest's fiber for the
 * first time, from where its first instruction is a switch away; not for a
 * guest killed before it ran. */
typedef void (*guest_starting_fn)(guest* g);

/* on_start may be NULL. */
void scheduler_init(guest_ended_fn on_end, guest_starting_fn on_start);
/* Creates a guest (address 0: a random one) and queues it to start; NULL
 * with a message in err. */
guest* scheduler_spawn(function_def* f, uint64_t address, char* err, size_t err_len);
void scheduler_wake(guest* g);
/* Ends a guest that is not running: it stops at the host call it is
 * suspended in (or before it starts) with the given reason. */
void scheduler_kill(guest* g, embly_stop_kind why);

/* On a guest's fiber, in a host call: give up the thread until woken (or
 * wake_at_ns, if not 0), or, for a yield, until the next scheduler_run, after
 * the caller has looked at I/O. Ends the instance with a timeout if it wakes
 * past its deadline. */
void scheduler_block(guest* g, uint64_t wake_at_ns);
void scheduler_yield(guest* g);

/* Runs every runnable guest until none is (those that yield wait for the next
 * call); returns the earliest time a blocked guest must wake (0: none), for
 * the caller's poll timeout: 0 ms while scheduler_has_runnable(). */
uint64_t scheduler_run(void);
bool scheduler_idle(void);
/* Whether a guest is waiting for the thread. */
bool scheduler_has_runnable(void);

/* In a long host call, between chunks of work: gives up the thread when the
 * guest's slice is over (as a safepoint in wasm code does), and ends the
 * instance there if it is past its deadline or killed. */
void scheduler_checkpoint(guest* g);

#endif
