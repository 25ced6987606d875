/* embly-spec COMMANDS: executes a spec script's command file and prints one
 * answer line per command on stdout (docs/conformance.md, "Protocol").
 *
 * Every command line starts with the script line it came from, and so does
 * its answer, so the two sides cannot drift apart unnoticed. Names travel as
 * `x` + hex bytes (wasm names may hold spaces, newlines or NUL); `-` stands
 * for "the current module" or "no name". A PATH is the rest of the line, so it
 * may hold spaces.
 *
 *   L module NAME|- PATH          instantiate; on success it becomes current
 *                                 (PATH `-`: the build failed; only forget the
 *                                 current module)
 *   L instantiate PATH            instantiate, never current (assert_unlinkable,
 *                                 assert_uninstantiable)
 *   L imports IMPORT...           link check only, for a module with no object
 *                                 (IMPORT = module:name:kind:params:results:mut:min:max)
 *   L register AS NAME|-          make a module's exports importable as AS
 *   L invoke NAME|- FIELD ARG...  call an exported function
 *   L get NAME|- FIELD            read an exported global
 *
 * Answers: `L ok VALUE...`, `L trap KIND`, `L exit CODE`, `L timeout`,
 * `L limit`, `L killed`, `L unlinkable MESSAGE`, `L error MESSAGE`. Values,
 * in both directions, are TYPE:BITS with BITS the unsigned decimal of the bit
 * pattern (floats included, so NaN payloads survive), v128:HEX (its 16
 * bytes in memory order, 32 hex digits), or funcref:null|func,
 * externref:null|N. Comparing them with the expectations is the test's job.
 *
 * Each action runs on a fiber (as in the runner), so a trap, stack exhaustion
 * or link error ends only that command. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

/* As the runner's instances (native/runner/guest.c). */
#define STACK_BYTES (1024u * 1024u)
#define MAX_VALUES 64
#define VALUE_CHARS 48 /* "v128:" and 32 hex digits, a space, with room */
#define MESSAGE_BYTES (MAX_VALUES * VALUE_CHARS + 64)

static embly_fiber* g_fiber;
static spec_instance* g_current;
static const char* g_commands_path;
static long g_line;

/* ---- Answers -------------------------------------------------------------- */

static void answer(const char* status, const char* format, ...)
    __attribute__((format(printf, 2, 3)));

static void answer(const char* status, const char* format, ...) {
  char message[MESSAGE_BYTES] = "";
  if (format) {
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    for (char* c = message; *c; c++)
      if (*c == '\n' || *c == '\r')
        *c = ' ';
  }
  printf("%ld %s%s%s\n", g_line, status, message[0] ? " " : "", message);
}

static const char* trap_name(int32_t trap) {
  switch ((wasm_rt_trap_t)trap) {
    case WASM_RT_TRAP_NONE: return "NONE";
    case WASM_RT_TRAP_OOB: return "OOB";
    case WASM_RT_TRAP_INT_OVERFLOW: return "INT_OVERFLOW";
    case WASM_RT_TRAP_DIV_BY_ZERO: return "DIV_BY_ZERO";
    case WASM_RT_TRAP_INVALID_CONVERSION: return "INVALID_CONVERSION";
    case WASM_RT_TRAP_UNREACHABLE: return "UNREACHABLE";
    case WASM_RT_TRAP_CALL_INDIRECT: return "CALL_INDIRECT";
    case WASM_RT_TRAP_UNCAUGHT_EXCEPTION: return "UNCAUGHT_EXCEPTION";
    case WASM_RT_TRAP_UNALIGNED: return "UNALIGNED";
    case WASM_RT_TRAP_EXHAUSTION: return "EXHAUSTION";
    case WASM_RT_TRAP_NULL_REF: return "NULL_REF";
  }
  return "UNKNOWN";
}

/* Answers for a stop other than NONE; returns 1 if it answered. */
static int answer_stop(embly_stop stop) {
  switch (stop.kind) {
    case EMBLY_STOP_NONE: return 0;
    case EMBLY_STOP_TRAP: answer("trap", "%s", trap_name(stop.code)); return 1;
    case EMBLY_STOP_EXIT: answer("exit", "%" PRId32, stop.code); return 1;
    case EMBLY_STOP_TIMEOUT: answer("timeout", NULL); return 1;
    case EMBLY_STOP_LIMIT: answer("limit", NULL); return 1;
    case EMBLY_STOP_KILLED: answer("killed", NULL); return 1;
  }
  answer("error", "unknown stop kind %d", (int)stop.kind);
  return 1;
}

/* ---- Running wasm on the fiber ---------------------------------------------- */

typedef struct {
  embly_instance* instance;
  const embly_export* func; /* NULL: instantiate */
  const embly_value* args;
  embly_value* results;
  embly_stop stop;
} job;

static void run_job(void* arg) {
  job* j = arg;
  j->stop = j->func ? embly_instance_invoke(j->instance, j->func, j->args, j->results)
                    : embly_instance_instantiate(j->instance);
}

static embly_stop on_fiber(job* j) {
  embly_fiber_start(g_fiber, run_job, j);
  if (!embly_fiber_finished(g_fiber)) {
    /* Nothing in a spec script suspends; a suspended fiber is a bug. */
    fprintf(stderr, "embly-spec: line %ld: the fiber suspended\n", g_line);
    exit(2);
  }
  return j->stop;
}

static embly_stop instantiate(spec_instance* instance) {
  job j = {&instance->core, NULL, NULL, NULL, {EMBLY_STOP_NONE, 0}};
  return on_fiber(&j);
}

/* ---- Tokens, names and values ----------------------------------------------- */

static char* next_token(char** cursor) {
  char* token = strsep(cursor, " ");
  while (token && *token == '\0')
    token = strsep(cursor, " ");
  return token;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes `x` + hex in place; returns 0 when malformed. */
static int decode_name(char* token, spec_name* name) {
  if (!token || token[0] != 'x')
    return 0;
  size_t digits = strlen(token + 1);
  if (digits % 2)
    return 0;
  uint8_t* out = (uint8_t*)token;
  for (size_t i = 0; i < digits / 2; i++) {
    int high = hex_digit(token[1 + 2 * i]), low = hex_digit(token[2 + 2 * i]);
    if (high < 0 || low < 0)
      return 0;
    out[i] = (uint8_t)(high << 4 | low);
  }
  name->bytes = out;
  name->len = digits / 2;
  return 1;
}

/* `-` is the current module, otherwise a `$name`. Answers an error if none. */
static spec_instance* module_ref(char* token) {
  if (token && strcmp(token, "-") == 0) {
    if (!g_current)
      answer("error", "no current module (the last module command failed or none ran)");
    return g_current;
  }
  spec_name name;
  if (!decode_name(token, &name)) {
    answer("error", "malformed module reference");
    return NULL;
  }
  spec_instance* instance = spec_find_named(name);
  if (!instance)
    answer("error", "no instantiated module has that $name");
  return instance;
}

static int parse_u64(const char* text, uint64_t max, uint64_t* out) {
  if (!text || !*text || *text == '-')
    return 0;
  char* end;
  errno = 0;
  unsigned long long value = strtoull(text, &end, 10);
  if (errno || *end || value > max)
    return 0;
  *out = value;
  return 1;
}

/* Host reference N is the pointer value N + 1: never dereferenced, never
 * null, and told apart from any other reference by its value alone. */
static wasm_rt_externref_t host_ref(uint64_t n) {
  return (wasm_rt_externref_t)(uintptr_t)(n + 1);
}

/* 32 hex digits, byte 0 first, into the 16 bytes of a v128. */
static int parse_v128(const char* text, uint8_t bytes[16]) {
  if (strlen(text) != 32)
    return 0;
  for (int i = 0; i < 16; i++) {
    int high = hex_digit(text[2 * i]), low = hex_digit(text[2 * i + 1]);
    if (high < 0 || low < 0)
      return 0;
    bytes[i] = (uint8_t)(high << 4 | low);
  }
  return 1;
}

/* Parses TYPE:BITS into value and its type code. */
static int parse_value(char* token, embly_value* value, char* code) {
  char* bits = strchr(token, ':');
  if (!bits)
    return 0;
  *bits++ = '\0';
  uint64_t n;
  memset(value, 0, sizeof *value);
  if (strcmp(token, "i32") == 0 && parse_u64(bits, UINT32_MAX, &n)) {
    value->i32 = (uint32_t)n;
    *code = 'i';
  } else if (strcmp(token, "i64") == 0 && parse_u64(bits, UINT64_MAX, &n)) {
    value->i64 = n;
    *code = 'j';
  } else if (strcmp(token, "f32") == 0 && parse_u64(bits, UINT32_MAX, &n)) {
    uint32_t b = (uint32_t)n;
    memcpy(&value->f32, &b, sizeof b);
    *code = 'f';
  } else if (strcmp(token, "f64") == 0 && parse_u64(bits, UINT64_MAX, &n)) {
    memcpy(&value->f64, &n, sizeof n);
    *code = 'd';
  } else if (strcmp(token, "v128") == 0 && parse_v128(bits, value->v128)) {
    *code = 'o';
  } else if (strcmp(token, "funcref") == 0 && strcmp(bits, "null") == 0) {
    value->funcref = wasm_rt_funcref_null_value;
    *code = 'r';
  } else if (strcmp(token, "externref") == 0 && strcmp(bits, "null") == 0) {
    value->externref = wasm_rt_externref_null_value;
    *code = 'e';
  } else if (strcmp(token, "externref") == 0 && parse_u64(bits, UINT64_MAX - 1, &n)) {
    value->externref = host_ref(n);
    *code = 'e';
  } else {
    return 0;
  }
  return 1;
}

static void format_value(char code, const embly_value* value, char* buf, size_t len) {
  switch (code) {
    case 'i':
      snprintf(buf, len, "i32:%" PRIu32, value->i32);
      return;
    case 'j':
      snprintf(buf, len, "i64:%" PRIu64, value->i64);
      return;
    case 'f': {
      uint32_t bits;
      memcpy(&bits, &value->f32, sizeof bits);
      snprintf(buf, len, "f32:%" PRIu32, bits);
      return;
    }
    case 'd': {
      uint64_t bits;
      memcpy(&bits, &value->f64, sizeof bits);
      snprintf(buf, len, "f64:%" PRIu64, bits);
      return;
    }
    case 'o': {
      int used = snprintf(buf, len, "v128:");
      for (int i = 0; i < 16 && used > 0 && (size_t)used < len; i++)
        used += snprintf(buf + used, len - (size_t)used, "%02x", value->v128[i]);
      return;
    }
    case 'r':
      snprintf(buf, len, "funcref:%s", value->funcref.func ? "func" : "null");
      return;
    case 'e':
      if (!value->externref)
        snprintf(buf, len, "externref:null");
      else
        snprintf(buf, len, "externref:%" PRIuPTR, (uintptr_t)value->externref - 1);
      return;
  }
  snprintf(buf, len, "?:?");
}

/* Reads a global's value of type code from its address. */
static void load_global(char code, const void* address, embly_value* value) {
  memset(value, 0, sizeof *value);
  switch (code) {
    case 'i': memcpy(&value->i32, address, sizeof value->i32); break;
    case 'j': memcpy(&value->i64, address, sizeof value->i64); break;
    case 'f': memcpy(&value->f32, address, sizeof value->f32); break;
    case 'd': memcpy(&value->f64, address, sizeof value->f64); break;
    case 'o': memcpy(value->v128, address, sizeof value->v128); break;
    case 'r': memcpy(&value->funcref, address, sizeof value->funcref); break;
    case 'e': memcpy(&value->externref, address, sizeof value->externref); break;
  }
}

static void answer_values(const char* codes, const embly_value* values) {
  char line[MAX_VALUES * VALUE_CHARS] = "";
  size_t used = 0;
  for (size_t i = 0; codes[i] && used < sizeof line; i++) {
    char value[VALUE_CHARS];
    format_value(codes[i], &values[i], value, sizeof value);
    used += (size_t)snprintf(line + used, sizeof line - used, "%s%s", i ? " " : "", value);
  }
  answer("ok", "%s", line);
}

/* ---- Commands ----------------------------------------------------------- */

/* `module` and `instantiate`: load, link, instantiate. */
static void command_instantiate(char** cursor, int becomes_current) {
  char* name_token = becomes_current ? next_token(cursor) : NULL;
  char* path = *cursor; /* the rest of the line */
  spec_name name = {NULL, 0};
  int named = name_token && strcmp(name_token, "-") != 0;
  if (!path || !*path || (becomes_current && !name_token) ||
      (named && !decode_name(name_token, &name))) {
    answer("error", "malformed command");
    return;
  }
  if (becomes_current) {
    /* Until this module is instantiated, nothing is current: actions that
     * follow a failed module fail too instead of hitting an older one. */
    g_current = NULL;
    if (named)
      spec_bind_name(name, NULL);
  }
  if (strcmp(path, "-") == 0) {
    answer("error", "the build produced no object for this module");
    return;
  }
  char err[MESSAGE_BYTES];
  int link_error;
  spec_instance* instance = spec_load_and_link(path, &link_error, err, sizeof err);
  if (!instance) {
    answer(link_error ? "unlinkable" : "error", "%s", err);
    return;
  }
  if (answer_stop(instantiate(instance)))
    return;
  if (becomes_current) {
    g_current = instance;
    if (named)
      spec_bind_name(name, instance);
  }
  answer("ok", NULL);
}

/* Splits s at the next ':' (empty fields allowed). */
static char* next_field(char** cursor) {
  return strsep(cursor, ":");
}

static int parse_kind(const char* text, uint8_t* kind) {
  static const char* const kinds[] = {"func", "table", "memory", "global"};
  for (uint8_t k = 0; k < 4; k++)
    if (text && strcmp(text, kinds[k]) == 0) {
      *kind = k;
      return 1;
    }
  return 0;
}

static int valid_codes(const char* codes) {
  return codes && strspn(codes, "ijfdore") == strlen(codes);
}

/* `imports`: the link check for a module that has no object. */
static void command_imports(char** cursor) {
  embly_import imports[256];
  uint32_t count = 0;
  for (char* token; (token = next_token(cursor));) {
    if (count == sizeof imports / sizeof imports[0]) {
      answer("error", "too many imports");
      return;
    }
    embly_import* import = &imports[count++];
    memset(import, 0, sizeof *import);
    char* module = next_field(&token);
    char* name = next_field(&token);
    char* kind = next_field(&token);
    char* params = next_field(&token);
    char* results = next_field(&token);
    char* is_mutable = next_field(&token);
    char* min = next_field(&token);
    char* max = next_field(&token);
    spec_name module_name, field_name;
    uint64_t max_value = UINT64_MAX;
    if (!decode_name(module, &module_name) || !decode_name(name, &field_name) ||
        !parse_kind(kind, &import->type.kind) || !valid_codes(params) ||
        !valid_codes(results) || !is_mutable ||
        !parse_u64(min, UINT64_MAX, &import->type.min) || !max ||
        (strcmp(max, "-") != 0 && !parse_u64(max, UINT64_MAX, &max_value))) {
      answer("error", "malformed import %u", count);
      return;
    }
    import->module = (const char*)module_name.bytes;
    import->module_len = (uint32_t)module_name.len;
    import->name = (const char*)field_name.bytes;
    import->name_len = (uint32_t)field_name.len;
    import->type.params = params;
    import->type.results = results;
    import->type.is_mutable = strcmp(is_mutable, "1") == 0;
    import->type.max = max_value;
  }
  char err[MESSAGE_BYTES];
  if (spec_check_imports(imports, count, err, sizeof err))
    answer("ok", NULL);
  else
    answer("unlinkable", "%s", err);
}

static void command_register(char** cursor) {
  char* as_token = next_token(cursor);
  spec_name as;
  if (!decode_name(as_token, &as)) {
    answer("error", "malformed command");
    return;
  }
  spec_instance* instance = module_ref(next_token(cursor));
  if (!instance)
    return;
  spec_register(as, instance);
  answer("ok", NULL);
}

/* Finds the export FIELD of kind in the referenced module, or answers. */
static const embly_export* find_export(char** cursor, uint8_t kind,
                                       spec_instance** instance) {
  *instance = module_ref(next_token(cursor));
  if (!*instance)
    return NULL;
  spec_name field;
  if (!decode_name(next_token(cursor), &field)) {
    answer("error", "malformed export name");
    return NULL;
  }
  const embly_export* e = embly_module_find_export((*instance)->core.module,
                                                   (const char*)field.bytes,
                                                   (uint32_t)field.len);
  if (!e || e->type.kind != kind) {
    char quoted[256];
    spec_quote(field, quoted, sizeof quoted);
    answer("error", "no %s export named %s", kind == EMBLY_EXTERN_FUNC ? "function" : "global",
           quoted);
    return NULL;
  }
  return e;
}

static void command_invoke(char** cursor) {
  spec_instance* instance;
  const embly_export* func = find_export(cursor, EMBLY_EXTERN_FUNC, &instance);
  if (!func)
    return;
  embly_value args[MAX_VALUES], results[MAX_VALUES];
  size_t n_args = 0, n_params = strlen(func->type.params);
  for (char* token; (token = next_token(cursor));) {
    char code;
    if (n_args == MAX_VALUES || !parse_value(token, &args[n_args], &code)) {
      answer("error", "malformed argument %zu", n_args + 1);
      return;
    }
    if (n_args >= n_params || func->type.params[n_args] != code) {
      answer("error", "argument %zu does not match the export's parameters (%s)",
             n_args + 1, func->type.params);
      return;
    }
    n_args++;
  }
  if (n_args != n_params || strlen(func->type.results) > MAX_VALUES) {
    answer("error", "the export takes %zu arguments, %zu given", n_params, n_args);
    return;
  }
  memset(results, 0, sizeof results);
  job j = {&instance->core, func, args, results, {EMBLY_STOP_NONE, 0}};
  if (!answer_stop(on_fiber(&j)))
    answer_values(func->type.results, results);
}

static void command_get(char** cursor) {
  spec_instance* instance;
  const embly_export* global = find_export(cursor, EMBLY_EXTERN_GLOBAL, &instance);
  if (!global)
    return;
  embly_value value;
  load_global(global->type.params[0], global->address(instance->core.state), &value);
  answer_values(global->type.params, &value);
}

static void run_command(char* line) {
  char* cursor = line;
  char* number = next_token(&cursor);
  char* verb = next_token(&cursor);
  char* end;
  g_line = number ? strtol(number, &end, 10) : 0;
  if (!number || *end || !verb) {
    g_line = 0;
    answer("error", "malformed command line");
    return;
  }
  if (strcmp(verb, "module") == 0)
    command_instantiate(&cursor, 1);
  else if (strcmp(verb, "instantiate") == 0)
    command_instantiate(&cursor, 0);
  else if (strcmp(verb, "imports") == 0)
    command_imports(&cursor);
  else if (strcmp(verb, "register") == 0)
    command_register(&cursor);
  else if (strcmp(verb, "invoke") == 0)
    command_invoke(&cursor);
  else if (strcmp(verb, "get") == 0)
    command_get(&cursor);
  else
    answer("error", "unknown command %s", verb);
}

static void start_host_module(void) {
  spec_instance* spectest = spec_wrap_module(spectest_module());
  embly_stop stop = instantiate(spectest);
  if (stop.kind != EMBLY_STOP_NONE) {
    fputs("embly-spec: cannot instantiate the spectest module\n", stderr);
    exit(2);
  }
  static const uint8_t name[] = "spectest";
  spec_register((spec_name){name, sizeof name - 1}, spectest);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fputs("usage: embly-spec COMMANDS\n"
          "Runs a spec script's command file (see docs/conformance.md) and\n"
          "prints one answer line per command.\n", stderr);
    return 2;
  }
  g_commands_path = argv[1];
  FILE* commands = strcmp(g_commands_path, "-") == 0 ? stdin : fopen(g_commands_path, "r");
  if (!commands) {
    fprintf(stderr, "embly-spec: cannot open %s: %s\n", g_commands_path, strerror(errno));
    return 2;
  }
  /* One line per answer as it happens: if the process dies, the test knows
   * exactly which command killed it. */
  setvbuf(stdout, NULL, _IOLBF, 0);
  wasm_rt_init();
  g_fiber = embly_fiber_new(STACK_BYTES);
  if (!g_fiber) {
    fputs("embly-spec: cannot allocate the fiber stack\n", stderr);
    return 2;
  }
  start_host_module();

  char* line = NULL;
  size_t capacity = 0;
  ssize_t length;
  while ((length = getline(&line, &capacity, commands)) >= 0) {
    while (length > 0 && (line[length - 1] == '\n' || line[length - 1] == '\r'))
      line[--length] = '\0';
    if (length == 0 || line[0] == '#')
      continue;
    run_command(line);
  }
  free(line);
  return 0;
}
