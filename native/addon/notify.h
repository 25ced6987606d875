// sd_notify(3) without libsystemd: a service manager's notification socket
// ($NOTIFY_SOCKET) takes one datagram per message ("READY=1\nSTATUS=...").
// Node's dgram has no Unix datagram sockets, hence the addon. What to send
// and when is src/service/notify.ts.
#pragma once

#include <napi.h>

namespace embly {

// Adds notifySend(address, message) -> 0 or an errno, and
// monotonicMicros() -> CLOCK_MONOTONIC in microseconds (MONOTONIC_USEC=).
void InitNotify(Napi::Env env, Napi::Object exports);

}  // namespace embly
