//! Fan-out: asks other functions of the project at once and answers with all their replies.
//!
//! It spawns `hello-c` and `hello-as` (or the comma-separated names in the environment
//! variable FANOUT_CHILDREN, set in embly-project.yml), writes each an HTTP request and
//! closes its side, then waits in `events` until all have answered and closed
//! (`embly::read_all`).

use embly::http::{serve, Request, Response};
use embly::{read_all, spawn, Errno, Handle};

const DEFAULT_CHILDREN: &str = "hello-c,hello-as";

fn main() {
    let children = std::env::var("FANOUT_CHILDREN").unwrap_or_else(|_| DEFAULT_CHILDREN.to_string());
    let names: Vec<&str> = children.split(',').map(str::trim).filter(|n| !n.is_empty()).collect();
    serve(|_request| match fan_out(&names) {
        Ok(body) => Response::text(200, body),
        Err(err) => Response::text(502, format!("fanout failed: {}\n", err)),
    })
    .expect("answer the gateway");
}

/// Sends the same request to every child, then gathers their answers, one line each.
fn fan_out(names: &[&str]) -> Result<String, Errno> {
    let children = names.iter().map(|name| ask(name)).collect::<Result<Vec<_>, _>>()?;
    let replies = read_all(&children)?;
    let lines = names.iter().zip(replies).map(|(name, reply)| describe(name, &reply));
    Ok(lines.collect())
}

/// Spawns `name` and hands it a complete request (closing says nothing more comes).
fn ask(name: &str) -> Result<Handle, Errno> {
    let child = spawn(name)?;
    Request::new("GET", "/").with_header("Host", "fanout").write_to(child)?;
    child.close()?;
    Ok(child)
}

fn describe(name: &str, reply: &[u8]) -> String {
    match Response::parse(reply) {
        Ok(response) => format!("{} ({}): {}", name, response.status, response.body_text()),
        Err(err) => format!("{}: unreadable reply: {}\n", name, err),
    }
}
