/* A function that traps: after reading the request it stores far outside its
 * linear memory. The wasm guard region turns that into an out-of-bounds
 * trap of this one instance; the gateway answers 502 and every other
 * function keeps serving. */
#include "embly.h"

static embly_err_t crash(const embly_http_request *req) {
  (void)req;
  volatile int *far_away = (volatile int *)0xfffffff0u;
  *far_away = 1;
  return embly_http_respond_text(EMBLY_HANDLE_PARENT, 200, "unreachable\n");
}

int main(void) {
  return embly_http_serve(crash) == EMBLY_OK ? 0 : 1;
}
