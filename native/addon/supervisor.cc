// spawnRunner(options, onExit) -> { handle, pid, stdio } | { error: { step, errno } }
// signalRunner(handle, signal) -> 0 | errno
//
// A handle is a number naming one spawn; unlike the pid it is never reused,
// so a late signal can never reach another process.
//
// JavaScript (src/supervisor) validates every argument; the checks here are
// the cheap type checks that keep a wrong call from crashing the process.
// Failures to start come back as data, so the Error is made in JavaScript
// with the caller's stack. Exit reports arrive on the reaper thread and reach
// JavaScript through a thread-safe function, on Node's main thread.
#include "supervisor.h"

#include <errno.h>
#include <signal.h>

#include <memory>
#include <string>
#include <unordered_map>

#include "reaper.h"
#include "spawn.h"

namespace embly {
namespace {

class Supervisor;
void DeliverExit(Napi::Env env, Napi::Function, Supervisor* supervisor, ExitReport* report);
using ExitChannel = Napi::TypedThreadSafeFunction<Supervisor, ExitReport, DeliverExit>;

class Supervisor {
 public:
  Supervisor() : reaper_([this](const ExitReport& report) { Post(report); }) {}

  bool Start(Napi::Env env, std::string* error) {
    channel_ = ExitChannel::New(env, "embly runner exits", 0, 1, this);
    channel_.Unref(env);  // only live runners keep the event loop alive
    return reaper_.Start(error);
  }

  Napi::Value Spawn(const Napi::CallbackInfo& info);
  Napi::Value Signal(const Napi::CallbackInfo& info);
  void Deliver(Napi::Env env, const ExitReport& report);

  // The environment is going away: stop the thread, kill what is left.
  void Shutdown() {
    reaper_.Stop();
    on_exit_.clear();
    channel_.Release();
  }

 private:
  // On the reaper thread.
  void Post(const ExitReport& report) {
    auto* copy = new ExitReport(report);
    if (channel_.BlockingCall(copy) != napi_ok)  // closing: nobody to tell
      delete copy;
  }

  ExitChannel channel_;
  Reaper reaper_;
  // By handle, not by pid: a pid reaped and reused before its report is
  // delivered must not meet the old runner's callback.
  std::unordered_map<uint64_t, Napi::FunctionReference> on_exit_;
  uint64_t last_handle_ = 0;
};

void DeliverExit(Napi::Env env, Napi::Function, Supervisor* supervisor, ExitReport* report) {
  std::unique_ptr<ExitReport> owned(report);
  if (env != nullptr)  // null while the environment tears down
    supervisor->Deliver(env, *owned);
}

bool ParseStdio(Napi::Value value, StdioSlot* slot) {
  if (value.IsNumber()) {
    slot->kind = StdioSlot::kInherit;
    slot->fd = value.As<Napi::Number>().Int32Value();
    return slot->fd >= 0;
  }
  if (!value.IsString())
    return false;
  std::string kind = value.As<Napi::String>().Utf8Value();
  if (kind == "pipe")
    slot->kind = StdioSlot::kPipe;
  else if (kind == "null")
    slot->kind = StdioSlot::kNull;
  else
    return false;
  return true;
}

bool ParseRequest(Napi::Object options, SpawnRequest* request) {
  Napi::Value file = options.Get("file");
  Napi::Value argv = options.Get("argv");
  Napi::Value stdio = options.Get("stdio");
  Napi::Value max_open_files = options.Get("maxOpenFiles");
  if (!file.IsString() || !argv.IsArray() || !stdio.IsArray() || !max_open_files.IsNumber())
    return false;
  request->file = file.As<Napi::String>().Utf8Value();
  Napi::Array args = argv.As<Napi::Array>();
  for (uint32_t i = 0; i < args.Length(); i++) {
    Napi::Value arg = args.Get(i);
    if (!arg.IsString())
      return false;
    request->argv.push_back(arg.As<Napi::String>().Utf8Value());
  }
  Napi::Array slots = stdio.As<Napi::Array>();
  if (slots.Length() != 3)
    return false;
  for (uint32_t i = 0; i < 3; i++)
    if (!ParseStdio(slots.Get(i), &request->stdio[i]))
      return false;
  int64_t limit = max_open_files.As<Napi::Number>().Int64Value();
  if (limit < 3 || limit > (1 << 20))
    return false;
  request->max_open_files = (unsigned)limit;
  return !request->argv.empty();
}

Napi::Value FdOrNull(Napi::Env env, int fd) {
  return fd >= 0 ? Napi::Value(Napi::Number::New(env, fd)) : env.Null();
}

Napi::Value Supervisor::Spawn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SpawnRequest request;
  if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsFunction() ||
      !ParseRequest(info[0].As<Napi::Object>(), &request)) {
    Napi::TypeError::New(env, "spawnRunner(options, onExit): malformed arguments").ThrowAsJavaScriptException();
    return env.Undefined();
  }

  SpawnResult spawned = SpawnRunner(request);
  Napi::Object result = Napi::Object::New(env);
  if (spawned.pid < 0) {
    Napi::Object error = Napi::Object::New(env);
    error.Set("step", spawned.step);
    error.Set("errno", spawned.error);
    result.Set("error", error);
    return result;
  }

  // Registered before the reaper hears of it; the report is delivered on
  // this thread, later, so it always finds its callback.
  uint64_t handle = ++last_handle_;
  on_exit_.emplace(handle, Napi::Persistent(info[1].As<Napi::Function>()));
  if (on_exit_.size() == 1)
    channel_.Ref(env);
  reaper_.Watch(handle, spawned.pid, spawned.pidfd);

  Napi::Array stdio = Napi::Array::New(env, 3);
  for (uint32_t i = 0; i < 3; i++)
    stdio.Set(i, FdOrNull(env, spawned.parent_fds[i]));
  result.Set("handle", Napi::Number::New(env, (double)handle));  // exact below 2^53
  result.Set("pid", spawned.pid);
  result.Set("stdio", stdio);
  return result;
}

Napi::Value Supervisor::Signal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) {
    Napi::TypeError::New(env, "signalRunner(handle, signal): malformed arguments").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int64_t handle = info[0].As<Napi::Number>().Int64Value();
  int sig = info[1].As<Napi::Number>().Int32Value();
  return Napi::Number::New(env, handle > 0 ? reaper_.Signal((uint64_t)handle, sig) : ESRCH);
}

void Supervisor::Deliver(Napi::Env env, const ExitReport& report) {
  auto found = on_exit_.find(report.token);
  if (found == on_exit_.end())
    return;
  Napi::FunctionReference callback = std::move(found->second);
  on_exit_.erase(found);
  if (on_exit_.empty())
    channel_.Unref(env);

  Napi::HandleScope scope(env);
  Napi::Object usage = Napi::Object::New(env);
  usage.Set("userCpuMicros", Napi::Number::New(env, (double)report.user_cpu_us));
  usage.Set("systemCpuMicros", Napi::Number::New(env, (double)report.system_cpu_us));
  usage.Set("maxRssKiB", Napi::Number::New(env, (double)report.max_rss_kib));
  Napi::Object exit = Napi::Object::New(env);
  exit.Set("pid", report.pid);
  exit.Set("exitCode", report.exit_code >= 0 ? Napi::Value(Napi::Number::New(env, report.exit_code)) : env.Null());
  exit.Set("signal", report.signal > 0 ? Napi::Value(Napi::Number::New(env, report.signal)) : env.Null());
  // seccomp's SCMP_ACT_KILL_PROCESS ends the runner with SIGSYS.
  exit.Set("sandboxViolation", report.signal == SIGSYS);
  exit.Set("coreDumped", report.core_dumped);
  exit.Set("reapedElsewhere", report.reaped_elsewhere);
  exit.Set("rusage", usage);
  callback.Call({exit});
  if (env.IsExceptionPending())  // the callback threw: an uncaught exception
    napi_fatal_exception(env, env.GetAndClearPendingException().Value());
}

void CleanUp(void* data) {
  auto* supervisor = static_cast<Supervisor*>(data);
  supervisor->Shutdown();
  delete supervisor;
}

}  // namespace

bool InitSupervisor(Napi::Env env, Napi::Object exports) {
  auto* supervisor = new Supervisor();
  std::string error;
  if (!supervisor->Start(env, &error)) {
    supervisor->Shutdown();
    delete supervisor;
    Napi::Error::New(env, "embly supervisor: " + error).ThrowAsJavaScriptException();
    return false;
  }
  // Added after the thread-safe function exists, so this hook runs before
  // Node's own teardown of it (cleanup hooks run in reverse order).
  napi_add_env_cleanup_hook(env, CleanUp, supervisor);
  exports.Set("spawnRunner", Napi::Function::New(
      env, [supervisor](const Napi::CallbackInfo& info) { return supervisor->Spawn(info); },
      "spawnRunner"));
  exports.Set("signalRunner", Napi::Function::New(
      env, [supervisor](const Napi::CallbackInfo& info) { return supervisor->Signal(info); },
      "signalRunner"));
  return true;
}

}  // namespace embly
