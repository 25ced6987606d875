use super::message::{find_header, parse_head_only, parse_message, read_message, serialize, Head, Unframed};
use super::{reason_phrase, HttpError};
use crate::errno::Errno;
use crate::handle::Handle;

/// An HTTP/1.1 response: build one and [`Response::write_to`] the parent, or read a
/// child's with [`Response::read_from`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// Extra headers; Content-Length (and Transfer-Encoding) are set when serialized.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// An empty response with this status.
    pub fn new(status: u16) -> Response {
        Response { status, headers: Vec::new(), body: Vec::new() }
    }

    /// A `text/plain; charset=utf-8` response.
    pub fn text(status: u16, body: impl Into<String>) -> Response {
        Response::new(status)
            .with_header("Content-Type", "text/plain; charset=utf-8")
            .with_body(body.into())
    }

    /// Adds a header (builder style).
    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Sets the body (builder style).
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Response {
        self.body = body.into();
        self
    }

    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Statuses that never carry a body (RFC 9110 §6.4.1).
    fn is_bodiless(&self) -> bool {
        self.status < 200 || self.status == 204 || self.status == 304
    }

    /// The complete response: status line, headers, Content-Length, blank line, body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let start_line = format!("HTTP/1.1 {} {}", self.status, reason_phrase(self.status));
        if self.is_bodiless() {
            return serialize(&start_line, &self.headers, &[], false);
        }
        serialize(&start_line, &self.headers, &self.body, true)
    }

    /// Writes the whole response to `handle` in one write.
    pub fn write_to(&self, handle: Handle) -> Result<(), Errno> {
        handle.write_all(&self.to_bytes())
    }

    /// Reads a response from `handle` (e.g. a child) until complete or EOF.
    pub fn read_from(handle: Handle) -> Result<Response, HttpError> {
        let (head, body) = read_message(handle, Unframed::UntilEof)?;
        Response::from_parts(head, body)
    }

    /// Parses a complete response held in memory.
    pub fn parse(bytes: &[u8]) -> Result<Response, HttpError> {
        let (head, body) = parse_message(bytes, Unframed::UntilEof, true)?.ok_or(HttpError::Truncated)?;
        Response::from_parts(head, body)
    }

    /// Parses the answer to a `HEAD` request: its head only (a Content-Length it has
    /// describes the body a GET would get).
    pub fn parse_bodiless(bytes: &[u8]) -> Result<Response, HttpError> {
        let head = parse_head_only(bytes)?.ok_or(HttpError::Truncated)?;
        Response::from_parts(head, Vec::new())
    }

    fn from_parts(head: Head, body: Vec<u8>) -> Result<Response, HttpError> {
        let status = head.parts[1]
            .parse::<u16>()
            .ok()
            .filter(|s| (100..=999).contains(s))
            .ok_or(HttpError::Malformed("invalid status code"))?;
        Ok(Response { status, headers: head.headers, body })
    }
}
