/* The C HTTP hello: answers every request with a greeting that names the language. */
#include "embly.h"

static embly_err_t hello(const embly_http_request *req) {
  (void)req;
  return embly_http_respond_text(EMBLY_HANDLE_PARENT, 200, "Hello from C!\n");
}

int main(void) {
  return embly_http_serve(hello) == EMBLY_OK ? 0 : 1;
}
