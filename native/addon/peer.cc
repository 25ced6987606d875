#include "peer.h"

#include <sys/socket.h>

#include <cerrno>

namespace embly {

// peerCredentials(fd) -> { pid, uid, gid } or { errno }
static Napi::Value PeerCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  struct ucred cred = {};
  socklen_t len = sizeof cred;
  int fd = info[0].As<Napi::Number>().Int32Value();
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    result.Set("errno", Napi::Number::New(env, errno));
    return result;
  }
  result.Set("pid", Napi::Number::New(env, cred.pid));
  result.Set("uid", Napi::Number::New(env, cred.uid));
  result.Set("gid", Napi::Number::New(env, cred.gid));
  return result;
}

void InitPeer(Napi::Env env, Napi::Object exports) {
  exports.Set("peerCredentials", Napi::Function::New(env, PeerCredentials, "peerCredentials"));
}

}  // namespace embly
