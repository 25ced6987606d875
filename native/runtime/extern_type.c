/* Import/export types: the link-time check and its error text. */
#include <stdio.h>
#include <string.h>

#include "embly/runtime.h"

static const char* value_type_name(char code) {
  switch (code) {
    case 'i': return "i32";
    case 'j': return "i64";
    case 'f': return "f32";
    case 'd': return "f64";
    case 'o': return "v128";
    case 'r': return "funcref";
    case 'e': return "externref";
  }
  return "?";
}

static size_t describe_codes(const char* codes, char* buf, size_t len) {
  size_t used = 0;
  for (const char* c = codes; *c && used < len; c++)
    used += (size_t)snprintf(buf + used, len - used, "%s%s",
                             c == codes ? "" : ", ", value_type_name(*c));
  return used < len ? used : len;
}

void embly_extern_type_describe(const embly_extern_type* type, char* buf,
                                size_t len) {
  char params[256] = "", results[256] = "";
  describe_codes(type->params, params, sizeof params);
  describe_codes(type->results, results, sizeof results);
  switch (type->kind) {
    case EMBLY_EXTERN_FUNC:
      snprintf(buf, len, "func (%s) -> (%s)", params, results);
      break;
    case EMBLY_EXTERN_GLOBAL:
      snprintf(buf, len, "global %s%s", type->is_mutable ? "mut " : "", params);
      break;
    case EMBLY_EXTERN_TABLE:
      snprintf(buf, len, "table %s [%llu..]", params,
               (unsigned long long)type->min);
      break;
    case EMBLY_EXTERN_MEMORY:
      snprintf(buf, len, "memory [%llu..] pages", (unsigned long long)type->min);
      break;
  }
}

/* Limits match when the provided range lies within the wanted one. */
static int limits_match(const embly_extern_type* wanted,
                        const embly_extern_type* actual) {
  return actual->min >= wanted->min &&
         (wanted->max == UINT64_MAX ||
          (actual->max != UINT64_MAX && actual->max <= wanted->max));
}

int embly_extern_type_matches(const embly_extern_type* wanted,
                              const embly_extern_type* actual) {
  if (wanted->kind != actual->kind)
    return 0;
  switch (wanted->kind) {
    case EMBLY_EXTERN_FUNC:
      return strcmp(wanted->params, actual->params) == 0 &&
             strcmp(wanted->results, actual->results) == 0;
    case EMBLY_EXTERN_GLOBAL:
      return strcmp(wanted->params, actual->params) == 0 &&
             wanted->is_mutable == actual->is_mutable;
    case EMBLY_EXTERN_TABLE:
      return strcmp(wanted->params, actual->params) == 0 &&
             limits_match(wanted, actual);
    case EMBLY_EXTERN_MEMORY:
      return limits_match(wanted, actual);
  }
  return 0;
}
