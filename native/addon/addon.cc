// The Node addon: for now it only reports the runtime ABI it was built with,
// so the TypeScript side can refuse a stale native build. The supervisor
// (fork, sandbox, reap) lands here next; src/native is its only loader.
#include <napi.h>

extern "C" {
#include "embly/abi.h"
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("abiVersion", Napi::Number::New(env, EMBLY_ABI_VERSION));
  return exports;
}

NODE_API_MODULE(embly_native, Init)
