//! HTTP/1.1 message framing shared by requests and responses: the head (start line and
//! headers), Content-Length or chunked bodies, and reading a message from a handle.

use super::HttpError;
use crate::handle::Handle;

/// A header section larger than this is refused rather than buffered forever.
pub(crate) const MAX_HEAD_BYTES: usize = 64 * 1024;

/// The start line split in three (`GET /x HTTP/1.1` or `HTTP/1.1 200 OK`) plus the headers.
pub(crate) struct Head {
    pub parts: [String; 3],
    pub headers: Vec<(String, String)>,
}

/// How a message's body ends when it has neither Content-Length nor chunked encoding.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unframed {
    /// Requests: no body.
    Empty,
    /// Responses: everything up to the peer's close.
    UntilEof,
}

/// Reads from `handle` until one complete message is buffered (or EOF) and parses it.
pub(crate) fn read_message(handle: Handle, unframed: Unframed) -> Result<(Head, Vec<u8>), HttpError> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(message) = parse_message(&buf, unframed, false)? {
            return Ok(message);
        }
        match handle.read(&mut chunk)? {
            0 => return parse_message(&buf, unframed, true)?.ok_or(HttpError::Truncated),
            n => {
                // Fallible: a message larger than the memory is an answer (413), not an abort.
                buf.try_reserve(n).map_err(|_| HttpError::TooLarge)?;
                buf.extend_from_slice(&chunk[..n]);
            }
        }
    }
}

/// The bytes in a vector of their own, or TooLarge where the memory cannot hold a copy.
fn copy(bytes: &[u8]) -> Result<Vec<u8>, HttpError> {
    let mut out = Vec::new();
    out.try_reserve_exact(bytes.len()).map_err(|_| HttpError::TooLarge)?;
    out.extend_from_slice(bytes);
    Ok(out)
}

/// Parses one message from `buf`; `Ok(None)` while more bytes are needed.
/// `eof` says the peer closed, which completes a body that runs until EOF.
pub(crate) fn parse_message(
    buf: &[u8],
    unframed: Unframed,
    eof: bool,
) -> Result<Option<(Head, Vec<u8>)>, HttpError> {
    let head_len = match find_head_end(buf)? {
        Some(len) => len,
        None => return Ok(None),
    };
    let head = parse_head(&buf[..head_len])?;
    let rest = &buf[head_len..];
    let body = match body_framing(&head.headers, unframed)? {
        Framing::Length(len) if rest.len() >= len => Some(copy(&rest[..len])?),
        Framing::Length(_) => None,
        Framing::Chunked => decode_chunked(rest)?,
        Framing::UntilEof => eof.then(|| rest.to_vec()),
        Framing::Empty => Some(Vec::new()),
    };
    Ok(body.map(|body| (head, body)))
}

/// The head alone, once it has arrived (for a message that has no body).
pub(crate) fn parse_head_only(buf: &[u8]) -> Result<Option<Head>, HttpError> {
    match find_head_end(buf)? {
        Some(len) => parse_head(&buf[..len]).map(Some),
        None => Ok(None),
    }
}

/// The length of the head including its blank line, once the blank line has arrived.
fn find_head_end(buf: &[u8]) -> Result<Option<usize>, HttpError> {
    let mut line_start = 0;
    while let Some(offset) = buf[line_start..].iter().position(|b| *b == b'\n') {
        let line_end = line_start + offset;
        let line = &buf[line_start..line_end];
        if line.is_empty() || line == b"\r" {
            return Ok(Some(line_end + 1));
        }
        line_start = line_end + 1;
    }
    if buf.len() > MAX_HEAD_BYTES {
        return Err(HttpError::Malformed("header section larger than 64 KiB"));
    }
    Ok(None)
}

fn parse_head(bytes: &[u8]) -> Result<Head, HttpError> {
    let text = String::from_utf8_lossy(bytes);
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let start_line = lines.next().unwrap_or("");
    let parts = split_start_line(start_line)?;
    let headers = lines
        .filter(|line| !line.is_empty())
        .map(parse_header_line)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Head { parts, headers })
}

fn split_start_line(line: &str) -> Result<[String; 3], HttpError> {
    let mut parts = line.splitn(3, ' ');
    let first = parts.next().unwrap_or("");
    let second = parts.next().unwrap_or("");
    let third = parts.next().unwrap_or("");
    if first.is_empty() || second.is_empty() {
        return Err(HttpError::Malformed("malformed start line"));
    }
    Ok([first.to_string(), second.to_string(), third.to_string()])
}

fn parse_header_line(line: &str) -> Result<(String, String), HttpError> {
    let (name, value) = line
        .split_once(':')
        .ok_or(HttpError::Malformed("header line without ':'"))?;
    if name.is_empty() || name.contains(|c: char| c.is_ascii_whitespace()) {
        return Err(HttpError::Malformed("malformed header name"));
    }
    Ok((name.to_string(), value.trim().to_string()))
}

enum Framing {
    Length(usize),
    Chunked,
    UntilEof,
    Empty,
}

fn body_framing(headers: &[(String, String)], unframed: Unframed) -> Result<Framing, HttpError> {
    if let Some(te) = find_header(headers, "transfer-encoding") {
        if te.to_ascii_lowercase().contains("chunked") {
            return Ok(Framing::Chunked);
        }
    }
    if let Some(len) = content_length(headers)? {
        return Ok(Framing::Length(len));
    }
    Ok(match unframed {
        Unframed::Empty => Framing::Empty,
        Unframed::UntilEof => Framing::UntilEof,
    })
}

/// The Content-Length, refusing junk and disagreeing duplicates (request smuggling).
fn content_length(headers: &[(String, String)]) -> Result<Option<usize>, HttpError> {
    let mut found: Option<usize> = None;
    for (_, value) in headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case("content-length")) {
        let len = parse_decimal(value).ok_or(HttpError::Malformed("invalid Content-Length"))?;
        if found.map_or(false, |f| f != len) {
            return Err(HttpError::Malformed("conflicting Content-Length headers"));
        }
        found = Some(len);
    }
    Ok(found)
}

fn parse_decimal(text: &str) -> Option<usize> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

pub(crate) fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Decodes a chunked body; `Ok(None)` until the last chunk and the trailers have arrived.
fn decode_chunked(mut rest: &[u8]) -> Result<Option<Vec<u8>>, HttpError> {
    let mut body = Vec::new();
    loop {
        let (size, line_len) = match chunk_size_line(rest)? {
            Some(found) => found,
            None => return Ok(None),
        };
        rest = &rest[line_len..];
        if size == 0 {
            return Ok(skip_trailers(rest).map(|_| body));
        }
        if rest.len() < size + 2 {
            return Ok(None);
        }
        if &rest[size..size + 2] != b"\r\n" {
            return Err(HttpError::Malformed("chunk not followed by CRLF"));
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

/// The size of the next chunk and the length of its size line (extensions ignored).
fn chunk_size_line(rest: &[u8]) -> Result<Option<(usize, usize)>, HttpError> {
    let newline = match rest.iter().position(|b| *b == b'\n') {
        Some(pos) => pos,
        None => return Ok(None),
    };
    let line = String::from_utf8_lossy(&rest[..newline]);
    let digits = line.split(';').next().unwrap_or("").trim();
    let size = usize::from_str_radix(digits, 16)
        .map_err(|_| HttpError::Malformed("invalid chunk size"))?;
    Ok(Some((size, newline + 1)))
}

/// `Some(())` once the trailer section and its blank line are complete.
fn skip_trailers(mut rest: &[u8]) -> Option<()> {
    loop {
        let newline = rest.iter().position(|b| *b == b'\n')?;
        let line = &rest[..newline];
        if line.is_empty() || line == b"\r" {
            return Some(());
        }
        rest = &rest[newline + 1..];
    }
}

/// Serializes a start line, the headers (minus any framing headers, which this sets
/// itself), a Content-Length when `with_length`, and the body.
pub(crate) fn serialize(start_line: &str, headers: &[(String, String)], body: &[u8], with_length: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(start_line.len() + 64 * (headers.len() + 1) + body.len());
    out.extend_from_slice(start_line.as_bytes());
    out.extend_from_slice(b"\r\n");
    for (name, value) in headers.iter().filter(|(n, _)| !is_framing_header(n)) {
        out.extend_from_slice(format!("{}: {}\r\n", name, value).as_bytes());
    }
    if with_length {
        out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

fn is_framing_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("transfer-encoding")
}
