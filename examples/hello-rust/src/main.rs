//! The Rust HTTP hello: answers every request with a greeting that names the language.

use embly::http::{serve, Response};

fn main() {
    serve(|_request| Response::text(200, "Hello from Rust!\n")).expect("answer the gateway");
}
