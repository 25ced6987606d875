#include "notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>

namespace embly {

namespace {

// The socket address of `address`: an absolute path, or "@name" for the
// abstract namespace (sun_path starts with a NUL and is not NUL-terminated:
// its length is the address length). 0, or an errno.
int NotifyAddress(const std::string& address, sockaddr_un* sun, socklen_t* length) {
  std::memset(sun, 0, sizeof *sun);
  sun->sun_family = AF_UNIX;
  const bool abstract = !address.empty() && address[0] == '@';
  if (!abstract && (address.empty() || address[0] != '/')) return EINVAL;
  // A path needs room for its NUL; an abstract name has its leading NUL instead of the '@'.
  if (address.size() >= sizeof sun->sun_path) return ENAMETOOLONG;
  std::memcpy(sun->sun_path, address.data(), address.size());
  if (abstract) sun->sun_path[0] = '\0';
  *length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size() + (abstract ? 0 : 1));
  return 0;
}

// One datagram from a socket of its own, as sd_notify does. Non-blocking: a
// service manager that stops reading fills the queue, and the event loop
// must then get EAGAIN rather than wait on it.
int SendDatagram(const std::string& address, const std::string& message) {
  sockaddr_un sun;
  socklen_t length = 0;
  if (int error = NotifyAddress(address, &sun, &length)) return error;
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return errno;
  ssize_t sent = sendto(fd, message.data(), message.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&sun), length);
  int error = sent < 0 ? errno : 0;
  close(fd);
  return error;
}

// notifySend(address: string, message: string) -> 0 | errno
Napi::Value NotifySend(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 2 || !info[0].IsString() || !info[1].IsString()) {
    Napi::TypeError::New(env, "notifySend(address, message): malformed arguments").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return Napi::Number::New(env, SendDatagram(info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::String>().Utf8Value()));
}

// monotonicMicros() -> number: microseconds fit a double exactly for 285 years of uptime.
Napi::Value MonotonicMicros(const Napi::CallbackInfo& info) {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return Napi::Number::New(info.Env(), static_cast<double>(now.tv_sec) * 1e6 + static_cast<double>(now.tv_nsec / 1000));
}

}  // namespace

void InitNotify(Napi::Env env, Napi::Object exports) {
  exports.Set("notifySend", Napi::Function::New(env, NotifySend, "notifySend"));
  exports.Set("monotonicMicros", Napi::Function::New(env, MonotonicMicros, "monotonicMicros"));
}

}  // namespace embly
