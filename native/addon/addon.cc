// The Node addon (src/native/index.ts is its only loader). One .cc/.h pair
// per concern; this file only assembles the exports:
//   abiVersion                 the runtime ABI it was built with, so the
//                              TypeScript side can refuse a stale native build
//   spawnRunner, signalRunner  the supervisor (supervisor.h): start, sandbox,
//                              reap and report runner processes
//   peerCredentials            SO_PEERCRED of a Unix socket (peer.h)
//   notifySend, monotonicMicros  sd_notify without libsystemd (notify.h)
#include <napi.h>

#include "notify.h"
#include "peer.h"
#include "supervisor.h"

extern "C" {
#include "embly/abi.h"
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("abiVersion", Napi::Number::New(env, EMBLY_ABI_VERSION));
  embly::InitSupervisor(env, exports);
  embly::InitPeer(env, exports);
  embly::InitNotify(env, exports);
  return exports;
}

NODE_API_MODULE(embly_native, Init)
