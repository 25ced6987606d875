//! A small HTTP/1.1 helper: read the request a gateway wrote on handle 1, answer it; and
//! [`send`] one outbound request through the special function `embly/http`.
//!
//! ```no_run
//! use embly::http::{serve, Response};
//!
//! fn main() {
//!     serve(|req| Response::text(200, format!("Hello, {}!\n", req.path))).unwrap();
//! }
//! ```

mod message;
mod request;
mod response;

use std::fmt;

pub use request::Request;
pub use response::Response;

use crate::errno::Errno;
use crate::handle::Handle;

/// Why a message could not be read or parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpError {
    /// An `embly` call failed.
    Errno(Errno),
    /// The bytes are not HTTP/1.1 (the text says what is wrong).
    Malformed(&'static str),
    /// The peer closed before the message was complete.
    Truncated,
    /// The message does not fit in this function's memory.
    TooLarge,
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Errno(errno) => write!(f, "embly call failed: {}", errno),
            HttpError::Malformed(what) => write!(f, "malformed HTTP message: {}", what),
            HttpError::Truncated => f.write_str("HTTP message ended early"),
            HttpError::TooLarge => f.write_str("HTTP message too large for this function's memory"),
        }
    }
}

impl std::error::Error for HttpError {}

impl From<Errno> for HttpError {
    fn from(errno: Errno) -> HttpError {
        HttpError::Errno(errno)
    }
}

/// Reads the request on handle 1, answers with `handler`'s response and closes handle 1.
/// A request that cannot be read is answered without calling `handler`: `413 Content Too
/// Large` if it does not fit in the function's memory, else `400 Bad Request`.
pub fn serve<F>(handler: F) -> Result<(), Errno>
where
    F: FnOnce(Request) -> Response,
{
    let response = match Request::read_from(Handle::PARENT) {
        Ok(request) => handler(request),
        Err(HttpError::Errno(errno)) => return Err(errno),
        Err(HttpError::TooLarge) => Response::text(413, format!("{}\n", HttpError::TooLarge)),
        Err(err) => Response::text(400, format!("{}\n", err)),
    };
    response.write_to(Handle::PARENT)?;
    Handle::PARENT.close()
}

/// The special function that makes outbound HTTP calls (docs/special-functions.md).
pub const HTTP_SPECIAL: &str = "embly/http";

/// Makes one outbound HTTP call through the special function `embly/http`.
///
/// `request.path` is the absolute URL (`https://api.example.com/v1/x`); its origin must be in
/// the function's `allowed_outbound_hosts`, or Embly answers `403`. A `Host` header is added
/// from the URL unless the request has one. Embly's own answers (`403`, `502`, `503`, `504`)
/// carry an `Embly-Error` header saying why. A function that the project allows no outbound
/// hosts gets `Err(HttpError::Errno(Errno::EACCES))`.
///
/// ```no_run
/// use embly::http::{send, Request};
///
/// let response = send(Request::new("GET", "https://api.example.com/v1/status"))?;
/// println!("{}: {}", response.status, response.body_text());
/// # Ok::<(), embly::http::HttpError>(())
/// ```
pub fn send(request: Request) -> Result<Response, HttpError> {
    let request = with_host(request);
    let child = crate::spawn(HTTP_SPECIAL)?;
    let written = request.write_to(child);
    let closed = child.close();
    written?;
    closed?;
    // embly/http closes after its answer: read to EOF, which also releases the handle.
    let mut answer = Vec::new();
    child.read_to_end(&mut answer)?;
    if request.method == "HEAD" {
        Response::parse_bodiless(&answer)
    } else {
        Response::parse(&answer)
    }
}

/// The request with a `Host` header from its absolute URL, unless it has one.
fn with_host(request: Request) -> Request {
    if request.header("host").is_some() {
        return request;
    }
    let authority = match request.path.split_once("://") {
        Some((_, rest)) => rest.split(|c| c == '/' || c == '?' || c == '#').next().unwrap_or("").to_string(),
        None => return request,
    };
    request.with_header("Host", &authority)
}

/// The standard reason phrase for a status code (empty if unknown, which HTTP allows).
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

#[cfg(test)]
mod tests;
