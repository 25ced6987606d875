// The supervisor's JavaScript face: spawnRunner and signalRunner, typed in
// src/native/index.ts. It translates arguments and reports; the work is in
// spawn.cc (clone, sandbox, exec) and reaper.cc (reap, report). Policy --
// pools, restarts, logging -- lives in src/supervisor.
#ifndef EMBLY_ADDON_SUPERVISOR_H
#define EMBLY_ADDON_SUPERVISOR_H

#include <napi.h>

namespace embly {

// Adds spawnRunner and signalRunner to exports, with state for this
// environment (a reaper thread) torn down by an environment cleanup hook.
// Throws (and returns false) if the reaper cannot start.
bool InitSupervisor(Napi::Env env, Napi::Object exports);

}  // namespace embly

#endif
