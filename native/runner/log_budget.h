/* How many function log lines a runner passes on to the master: a budget per
 * one-second window, counted before a line costs the daemon anything. */
#ifndef EMBLY_RUNNER_LOG_BUDGET_H
#define EMBLY_RUNNER_LOG_BUDGET_H

#include <stdbool.h>

#define LOG_LINES_PER_SECOND 200

/* A template calls this before it forks: its children then share one budget
 * (a process per instance must not mean a budget per instance). */
bool log_budget_share(void);
/* Whether one more line may go now. */
bool log_budget_take(void);

#endif
