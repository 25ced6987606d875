//! Bytes taken early from handles nobody was reading yet.
//!
//! `events` reports every readable handle, and a handle stays readable while its bytes or its
//! end-of-file are unread. A function waiting for one child while its parent's EOF (or another
//! child's answer) sits unread would wake at once, forever: a busy loop. So while waiting for
//! some handles, the SDK moves the others' bytes and EOF here; reads are served from here first
//! and [`crate::events`] reports these handles as readable.

use std::cell::RefCell;

struct Pending {
    handle: u32,
    bytes: Vec<u8>,
    /// Bytes of `bytes` already handed out.
    taken: usize,
    /// The peer closed and everything up to that was moved here.
    eof: bool,
    /// The reader has been told about the EOF (a read returned 0).
    eof_seen: bool,
}

impl Pending {
    fn is_readable(&self) -> bool {
        self.taken < self.bytes.len() || (self.eof && !self.eof_seen)
    }
}

// A few handles at most, so a plain list: smaller code than a map.
thread_local! {
    static PENDING: RefCell<Vec<Pending>> = RefCell::new(Vec::new());
}

fn position(pending: &[Pending], handle: u32) -> Option<usize> {
    pending.iter().position(|p| p.handle == handle)
}

/// Serves a read from pending bytes: `Some(count)` (0 = EOF) if this handle has any.
pub(crate) fn take(handle: u32, buf: &mut [u8]) -> Option<usize> {
    PENDING.with(|pending| {
        let mut pending = pending.borrow_mut();
        let index = position(&pending, handle)?;
        let entry = &mut pending[index];
        let available = &entry.bytes[entry.taken..];
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        entry.taken += n;
        if entry.taken == entry.bytes.len() {
            entry.bytes.clear();
            entry.taken = 0;
        }
        match (n, entry.eof) {
            (0, false) => {
                pending.swap_remove(index);
                None
            }
            (0, true) => {
                entry.eof_seen = true;
                Some(0)
            }
            _ => Some(n),
        }
    })
}

/// Keeps bytes read early from `handle`; an empty `bytes` with `eof` records its close.
pub(crate) fn keep(handle: u32, bytes: &[u8], eof: bool) {
    PENDING.with(|pending| {
        let mut pending = pending.borrow_mut();
        let index = position(&pending, handle).unwrap_or_else(|| {
            pending.push(Pending { handle, bytes: Vec::new(), taken: 0, eof: false, eof_seen: false });
            pending.len() - 1
        });
        pending[index].bytes.extend_from_slice(bytes);
        pending[index].eof |= eof;
    })
}

/// Handles with pending bytes or an EOF not yet read.
pub(crate) fn readable() -> Vec<u32> {
    PENDING.with(|pending| {
        let pending = pending.borrow();
        pending.iter().filter(|p| p.is_readable()).map(|p| p.handle).collect()
    })
}

pub(crate) fn is_readable(handle: u32) -> bool {
    PENDING.with(|pending| pending.borrow().iter().any(|p| p.handle == handle && p.is_readable()))
}
