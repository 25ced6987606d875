use super::message::{find_header, parse_message, read_message, serialize, Head, Unframed};
use super::HttpError;
use crate::errno::Errno;
use crate::handle::Handle;

/// An HTTP/1.1 request: what a gateway (or a parent function) wrote on handle 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The request target as sent, query string included (e.g. `/search?q=x`).
    pub path: String,
    /// `HTTP/1.1` as sent.
    pub version: String,
    /// Headers in the order received; names keep their case, look them up with [`Request::header`].
    pub headers: Vec<(String, String)>,
    /// The body, already de-chunked.
    pub body: Vec<u8>,
}

impl Request {
    /// A request to send to a child function, e.g. `Request::new("GET", "/")`.
    pub fn new(method: &str, path: &str) -> Request {
        Request {
            method: method.to_string(),
            path: path.to_string(),
            version: "HTTP/1.1".to_string(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Reads the request from `handle` (normally [`Handle::PARENT`]) until it is complete
    /// or the peer closes, waiting in `events` whenever nothing is buffered yet.
    pub fn read_from(handle: Handle) -> Result<Request, HttpError> {
        let (head, body) = read_message(handle, Unframed::Empty)?;
        Ok(Request::from_parts(head, body))
    }

    /// Parses a complete request held in memory.
    pub fn parse(bytes: &[u8]) -> Result<Request, HttpError> {
        let (head, body) = parse_message(bytes, Unframed::Empty, true)?.ok_or(HttpError::Truncated)?;
        Ok(Request::from_parts(head, body))
    }

    fn from_parts(head: Head, body: Vec<u8>) -> Request {
        let [method, path, version] = head.parts;
        Request { method, path, version, headers: head.headers, body }
    }

    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The part of [`Request::path`] after `?`, if any.
    pub fn query(&self) -> Option<&str> {
        self.path.split_once('?').map(|(_, query)| query)
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Adds a header (builder style).
    pub fn with_header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Sets the body (builder style); Content-Length is added when serialized.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Request {
        self.body = body.into();
        self
    }

    /// The request as HTTP/1.1 bytes, with a Content-Length if it has a body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let start_line = format!("{} {} {}", self.method, self.path, self.version);
        let with_length = !self.body.is_empty() || matches!(self.method.as_str(), "POST" | "PUT" | "PATCH");
        serialize(&start_line, &self.headers, &self.body, with_length)
    }

    /// Writes the whole request to `handle` (e.g. a child from [`crate::spawn`]).
    pub fn write_to(&self, handle: Handle) -> Result<(), Errno> {
        handle.write_all(&self.to_bytes())
    }
}
