//! Host tests of the HTTP parser and serializer: `cargo test` in sdk/rust.

use super::message::{parse_message, Unframed};
use super::*;

#[test]
fn parses_a_request_with_headers_and_body() {
    let raw = b"POST /echo?x=1 HTTP/1.1\r\nHost: a\r\ncontent-length: 5\r\n\r\nhello";
    let req = Request::parse(raw).unwrap();
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, "/echo?x=1");
    assert_eq!(req.query(), Some("x=1"));
    assert_eq!(req.version, "HTTP/1.1");
    assert_eq!(req.header("HOST"), Some("a"));
    assert_eq!(req.body, b"hello");
}

#[test]
fn waits_for_the_rest_of_a_partial_request() {
    let raw = b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel";
    assert!(parse_message(raw, Unframed::Empty, false).unwrap().is_none());
    assert!(parse_message(b"GET / HTTP/1.1\r\nHost: a\r\n", Unframed::Empty, false).unwrap().is_none());
    assert_eq!(Request::parse(raw), Err(HttpError::Truncated));
}

#[test]
fn a_request_without_length_has_no_body() {
    let req = Request::parse(b"GET / HTTP/1.1\n\n").unwrap();
    assert_eq!(req.method, "GET");
    assert!(req.body.is_empty());
}

#[test]
fn decodes_chunked_bodies() {
    let raw = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
    assert_eq!(Request::parse(raw).unwrap().body, b"abcde");
    let partial = &raw[..raw.len() - 2];
    assert!(parse_message(partial, Unframed::Empty, false).unwrap().is_none());
}

#[test]
fn refuses_malformed_messages() {
    assert!(matches!(Request::parse(b"\r\n\r\n"), Err(HttpError::Malformed(_))));
    assert!(matches!(Request::parse(b"GET / HTTP/1.1\r\nno colon\r\n\r\n"), Err(HttpError::Malformed(_))));
    let conflicting = b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab";
    assert!(matches!(Request::parse(conflicting), Err(HttpError::Malformed(_))));
    assert!(matches!(Request::parse(b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), Err(HttpError::Malformed(_))));
}

#[test]
fn serializes_a_response_with_content_length() {
    let res = Response::text(200, "Hi\n").with_header("Content-Length", "999");
    let text = String::from_utf8(res.to_bytes()).unwrap();
    assert_eq!(text, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\n\r\nHi\n");
}

#[test]
fn a_204_has_neither_body_nor_length() {
    let text = String::from_utf8(Response::new(204).with_body("x").to_bytes()).unwrap();
    assert_eq!(text, "HTTP/1.1 204 No Content\r\n\r\n");
}

#[test]
fn parses_responses_framed_by_length_or_eof() {
    let res = Response::parse(b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nnoEXTRA").unwrap();
    assert_eq!((res.status, res.body_text().as_str()), (404, "no"));
    let unframed = b"HTTP/1.1 200 OK\r\n\r\nuntil eof";
    assert!(parse_message(unframed, Unframed::UntilEof, false).unwrap().is_none());
    assert_eq!(Response::parse(unframed).unwrap().body, b"until eof");
}

#[test]
fn round_trips_a_request() {
    let req = Request::new("PUT", "/x").with_header("X-A", "1").with_body("data");
    let parsed = Request::parse(&req.to_bytes()).unwrap();
    assert_eq!((parsed.method.as_str(), parsed.path.as_str()), ("PUT", "/x"));
    assert_eq!((parsed.header("x-a"), parsed.header("content-length")), (Some("1"), Some("4")));
    assert_eq!(parsed.body, b"data");
}

#[test]
fn parses_the_answer_to_a_head_request_without_its_body() {
    let res = Response::parse_bodiless(b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n").unwrap();
    assert_eq!((res.status, res.header("content-length")), (200, Some("1234")));
    assert!(res.body.is_empty());
    assert_eq!(Response::parse_bodiless(b"HTTP/1.1 200 OK\r\n"), Err(HttpError::Truncated));
}

#[test]
fn an_outbound_request_gets_its_host_from_the_url() {
    let with = super::with_host(Request::new("GET", "https://api.example.com:8443/v1?x=1"));
    assert_eq!(with.header("host"), Some("api.example.com:8443"));
    let kept = super::with_host(Request::new("GET", "http://a.test/").with_header("Host", "b.test"));
    assert_eq!(kept.headers.len(), 1);
    assert_eq!(kept.header("host"), Some("b.test"));
}
