// Peer credentials of a Unix socket (SO_PEERCRED): the master checks that a
// runner saying HELLO is a process the supervisor started.
#pragma once

#include <napi.h>

namespace embly {

void InitPeer(Napi::Env env, Napi::Object exports);

}  // namespace embly
