//! Outbound: calls other gateways of this very project over HTTP, through the special
//! function `embly/http`, and answers with all their replies.
//!
//! A function has no network of its own; `embly::http::send` hands the request to
//! `embly/http`, which the daemon serves. The URLs are in the environment variable
//! OUTBOUND_URLS (set in embly-project.yml), and their origins are listed in the function's
//! `allowed_outbound_hosts`: loopback addresses are reached only when listed explicitly.

use embly::http::{send, serve, Request, Response};

const DEFAULT_URLS: &str = "http://127.0.0.1:8081/,http://127.0.0.1:8082/";

fn main() {
    let urls = std::env::var("OUTBOUND_URLS").unwrap_or_else(|_| DEFAULT_URLS.to_string());
    serve(|_request| {
        let urls = urls.split(',').map(str::trim).filter(|url| !url.is_empty());
        Response::text(200, urls.map(ask).collect::<String>())
    })
    .expect("answer the gateway");
}

/// One line: the URL, its status and its body, or why there was no answer.
fn ask(url: &str) -> String {
    match send(Request::new("GET", url).with_header("Accept", "text/plain")) {
        Ok(response) => format!("{} ({}): {}", url, response.status, response.body_text()),
        Err(err) => format!("{}: {}\n", url, err),
    }
}
