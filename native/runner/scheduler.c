#include "scheduler.h"

#include <signal.h>
#include <stdio.h>
#include <sys/time.h>

static guest* g_runnable_head;
static guest* g_runnable_tail;
/* guests that yielded, in order: they run again after the caller's next look at I/O */
static guest* g_next_round_head;
static guest* g_next_round_tail;
static guest* g_live;
static guest* g_running; /* whose fiber runs now, if any */
static guest_ended_fn g_on_end;
static guest_starting_fn g_on_start;

static void preempt_running(void);
static void install_tick(void);

void scheduler_init(guest_ended_fn on_end, guest_starting_fn on_start) {
  g_on_end = on_end;
  g_on_start = on_start;
  embly_set_preempt_handler(preempt_running);
  install_tick();
}

/* Appends g, marked runnable and queued, to the list from *head to *tail. */
static void append(guest** head, guest** tail, guest* g) {
  g->state = GUEST_RUNNABLE;
  g->queued = true; /* so that a wake-up meanwhile does not queue it twice */
  g->next_runnable = NULL;
  if (*tail)
    (*tail)->next_runnable = g;
  else
    *head = g;
  *tail = g;
}

static void enqueue(guest* g) {
  if (g->queued || g->state == GUEST_DONE)
    return;
  append(&g_runnable_head, &g_runnable_tail, g);
}

static guest* dequeue(void) {
  guest* g = g_runnable_head;
  if (!g)
    return NULL;
  g_runnable_head = g->next_runnable;
  if (!g_runnable_head)
    g_runnable_tail = NULL;
  g->queued = false;
  return g;
}

guest* scheduler_spawn(function_def* f, uint64_t address, char* err, size_t err_len) {
  guest* g = guest_new(f, address, err, err_len);
  if (!g)
    return NULL;
  g->next_live = g_live;
  g_live = g;
  enqueue(g);
  return g;
}

void scheduler_wake(guest* g) {
  if (g->state == GUEST_BLOCKED)
    enqueue(g);
}

/* Woken past its deadline, or killed: the instance ends here, inside the
 * host call that gave up the thread, which holds nothing to release. */
static void stop_if_ended(guest* g) {
  uint64_t deadline = embly_fiber_deadline(g->fiber);
  if (g->kill != EMBLY_STOP_NONE)
    embly_stop_now(g->kill, 0);
  if (deadline && embly_monotonic_ns() >= deadline)
    embly_stop_now(EMBLY_STOP_TIMEOUT, 0);
}

void scheduler_kill(guest* g, embly_stop_kind why) {
  if (g->state == GUEST_DONE)
    return;
  g->kill = why;
  enqueue(g);
}

void scheduler_block(guest* g, uint64_t wake_at_ns) {
  g->events_without_waiting = 0;
  g->state = GUEST_BLOCKED;
  g->wake_at_ns = wake_at_ns;
  embly_fiber_suspend();
  g->wake_at_ns = 0;
  stop_if_ended(g);
}

void scheduler_yield(guest* g) {
  append(&g_next_round_head, &g_next_round_tail, g);
  embly_fiber_suspend();
  stop_if_ended(g);
}

/* The fiber's entry: the whole life of an instance as wasm code. */
static void guest_main(void* arg) {
  guest* g = arg;
  if (g->function->timeout_ms)
    embly_fiber_set_deadline(g->fiber, embly_monotonic_ns() + g->function->timeout_ms * 1000000ull);
  if (g->kill != EMBLY_STOP_NONE) {
    g->outcome = (embly_stop){g->kill, 0};
    return;
  }
  g->outcome = embly_instance_instantiate(&g->instance);
  if (g->outcome.kind == EMBLY_STOP_NONE && g->start)
    g->outcome = embly_instance_invoke(&g->instance, g->start, NULL, NULL);
}

static void unlink_live(guest* g) {
  for (guest** at = &g_live; *at; at = &(*at)->next_live) {
    if (*at == g) {
      *at = g->next_live;
      return;
    }
  }
}

static void end_guest(guest* g) {
  guest_finish(g);
  if (g_on_end)
    g_on_end(g);
  unlink_live(g);
  guest_free(g);
}

static uint64_t wake_time(const guest* g) {
  uint64_t deadline = embly_fiber_deadline(g->fiber);
  uint64_t wake = g->wake_at_ns;
  if (deadline && (!wake || deadline < wake))
    wake = deadline;
  return wake;
}

/* Queues blocked guests whose time has come; returns the next such time. */
static uint64_t wake_due(void) {
  uint64_t now = embly_monotonic_ns(), next = 0;
  for (guest* g = g_live; g; g = g->next_live) {
    if (g->state != GUEST_BLOCKED)
      continue;
    uint64_t wake = wake_time(g);
    if (wake && wake <= now)
      enqueue(g);
    else if (wake && (!next || wake < next))
      next = wake;
  }
  return next;
}

/* Yielded guests join the end of the queue, in the order they yielded. */
static void start_next_round(void) {
  if (!g_next_round_head)
    return;
  if (g_runnable_tail)
    g_runnable_tail->next_runnable = g_next_round_head;
  else
    g_runnable_head = g_next_round_head;
  g_runnable_tail = g_next_round_tail;
  g_next_round_head = g_next_round_tail = NULL;
}

static void arm_tick(void);

uint64_t scheduler_run(void) {
  uint64_t next;
  start_next_round();
  do {
    guest* g;
    while ((g = dequeue())) {
      arm_tick();
      g_running = g;
      if (!g->started) {
        g->started = true;
        if (g_on_start && g->kill == EMBLY_STOP_NONE)
          g_on_start(g);
        embly_fiber_start(g->fiber, guest_main, g);
      } else {
        embly_fiber_resume(g->fiber);
      }
      g_running = NULL;
      if (embly_fiber_finished(g->fiber))
        end_guest(g);
    }
    next = wake_due();
  } while (g_runnable_head);
  return next;
}

bool scheduler_idle(void) {
  return g_live == NULL;
}

bool scheduler_has_runnable(void) {
  return g_runnable_head != NULL || g_next_round_head != NULL;
}

void scheduler_checkpoint(guest* g) {
  if (embly_safepoint_due())
    scheduler_yield(g);
}

/* A guest whose slice is over, at a safepoint: it runs again after the
 * others queued and after the runner has looked at its I/O. */
static void preempt_running(void) {
  if (g_running)
    scheduler_yield(g_running);
}

/* The tick: every SLICE_US while guests run, it asks the running one to
 * reach a safepoint (docs/loader.md, "Preemption"). It is armed only while
 * guests run: the first run after a pause arms it (one syscall), and a tick
 * that finds no guest running IDLE_TICKS times in a row disarms it, so an idle
 * runner is never woken. */
#define SLICE_US 2000
#define IDLE_TICKS 2

static volatile sig_atomic_t g_tick_armed;
static volatile sig_atomic_t g_idle_ticks;

static void set_tick(long interval_us) {
  struct itimerval every = {{0, interval_us}, {0, interval_us}};
  setitimer(ITIMER_REAL, &every, NULL);
}

static void on_tick(int sig, siginfo_t* info, void* context) {
  if (g_running) {
    g_idle_ticks = 0;
    embly_request_safepoint(context);
  } else if (++g_idle_ticks >= IDLE_TICKS && g_tick_armed) {
    g_tick_armed = 0;
    set_tick(0);
  }
}

static void install_tick(void) {
  struct sigaction action = {0};
  action.sa_sigaction = on_tick;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
  sigemptyset(&action.sa_mask);
  sigaction(SIGALRM, &action, NULL);
}

static void arm_tick(void) {
  g_idle_ticks = 0; /* before the test: a tick in between cannot disarm */
  if (!g_tick_armed) {
    g_tick_armed = 1;
    set_tick(SLICE_US);
  }
}
