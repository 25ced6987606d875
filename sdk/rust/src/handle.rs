use std::io;
use std::time::Duration;

use crate::errno::{check, Errno};
use crate::{pending, sys};

/// A peer of this instance: [`Handle::PARENT`] (whoever spawned it) or a child from [`spawn`].
///
/// `repr(transparent)` so a `&mut [Handle]` can be handed to the `events` import as `u32`s.
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct Handle(u32);

/// How long [`events`] may wait for a readable handle.
const WAIT_FOREVER_NS: i64 = -1;

impl Handle {
    /// Handle 1: the gateway connection or parent function that spawned this instance.
    pub const PARENT: Handle = Handle(1);

    /// Wraps a raw handle number (children are numbered 2, 3, ... in spawn order).
    pub const fn from_raw(raw: u32) -> Handle {
        Handle(raw)
    }

    /// The raw handle number.
    pub const fn raw(self) -> u32 {
        self.0
    }

    /// Takes whatever bytes are buffered, without waiting.
    ///
    /// `Ok(0)` (for a non-empty `buf`) means the peer closed and everything was read;
    /// `Err(Errno::EAGAIN)` means the peer is open but nothing is buffered yet.
    pub fn try_read(self, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.is_empty() {
            return Ok(0);
        }
        match pending::take(self.0, buf) {
            Some(n) => Ok(n),
            None => self.read_from_runner(buf),
        }
    }

    fn read_from_runner(self, buf: &mut [u8]) -> Result<usize, Errno> {
        let mut nread: u32 = 0;
        let len = clamp_len(buf.len());
        check(unsafe { sys::read(self.0, buf.as_mut_ptr(), len, &mut nread) })?;
        Ok(nread as usize)
    }

    /// Reads at least one byte, waiting in [`events`] while nothing is buffered; `Ok(0)` is EOF.
    pub fn read(self, buf: &mut [u8]) -> Result<usize, Errno> {
        loop {
            match self.try_read(buf) {
                Err(Errno::EAGAIN) => wait_for(&[self])?,
                done => return done,
            }
        }
    }

    /// Appends everything up to the peer's close (EOF) to `out`; returns the count appended.
    pub fn read_to_end(self, out: &mut Vec<u8>) -> Result<usize, Errno> {
        let start = out.len();
        let mut chunk = [0u8; 4096];
        loop {
            match self.read(&mut chunk)? {
                0 => return Ok(out.len() - start),
                n => out.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// Sends bytes to the peer; the runner never writes short, so this is `buf.len()` on success.
    pub fn write(self, buf: &[u8]) -> Result<usize, Errno> {
        let mut nwritten: u32 = 0;
        let len = clamp_len(buf.len());
        check(unsafe { sys::write(self.0, buf.as_ptr(), len, &mut nwritten) })?;
        Ok(nwritten as usize)
    }

    /// Sends all of `buf`, looping should a write ever come back short.
    pub fn write_all(self, mut buf: &[u8]) -> Result<(), Errno> {
        while !buf.is_empty() {
            let n = self.write(buf)?;
            if n == 0 {
                return Err(Errno::EPIPE);
            }
            buf = &buf[n..];
        }
        Ok(())
    }

    /// Tells the peer no more bytes come from this side; reading the handle stays possible.
    pub fn close(self) -> Result<(), Errno> {
        check(unsafe { sys::close(self.0) })
    }
}

/// The import takes a `u32` length: larger buffers are used in part, as a short read/write.
fn clamp_len(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// Blocks until one of `interest` is readable. Other handles that wake the wait have their
/// bytes and EOF set aside (see `pending`) so they do not wake it again and again. Errors
/// rather than spin if nothing can ever become readable.
fn wait_for(interest: &[Handle]) -> Result<(), Errno> {
    let mut ready = [Handle(0); 16];
    loop {
        if interest.iter().any(|h| pending::is_readable(h.0)) {
            return Ok(());
        }
        let count = runner_events(WAIT_FOREVER_NS, &mut ready)?;
        if count == 0 {
            return Err(Errno::EAGAIN);
        }
        let woken = &ready[..count];
        if woken.iter().any(|h| interest.contains(h)) {
            return Ok(());
        }
        woken.iter().try_for_each(|h| set_aside(*h))?;
    }
}

/// Moves everything `handle` has buffered (and its EOF) into `pending`.
fn set_aside(handle: Handle) -> Result<(), Errno> {
    let mut chunk = [0u8; 4096];
    loop {
        match handle.read_from_runner(&mut chunk) {
            Ok(0) => {
                pending::keep(handle.0, &[], true);
                return Ok(());
            }
            Ok(n) => pending::keep(handle.0, &chunk[..n], false),
            Err(Errno::EAGAIN) => return Ok(()),
            Err(errno) => return Err(errno),
        }
    }
}

/// The `events` import itself: the count of handles stored in `ready`.
fn runner_events(timeout_ns: i64, ready: &mut [Handle]) -> Result<usize, Errno> {
    let mut count: u32 = 0;
    let cap = clamp_len(ready.len());
    let ptr = ready.as_mut_ptr() as *mut u32;
    check(unsafe { sys::events(timeout_ns, ptr, cap, &mut count) })?;
    Ok((count as usize).min(ready.len()))
}

/// The parent handle (handle 1).
pub fn parent() -> Handle {
    Handle::PARENT
}

/// Starts an instance of the project's function `name` and returns its handle.
///
/// `Errno::ENOENT`: no such function; `Errno::ENOMEM`: it is at its `max_instances`.
pub fn spawn(name: &str) -> Result<Handle, Errno> {
    let mut handle: u32 = 0;
    let len = u32::try_from(name.len()).map_err(|_| Errno::EINVAL)?;
    check(unsafe { sys::spawn(name.as_ptr(), len, &mut handle) })?;
    Ok(Handle(handle))
}

/// Waits until handles are readable (bytes buffered, or closed with EOF unread) and
/// fills `ready` with them; returns the filled part (empty on timeout).
///
/// `timeout`: `None` waits forever, `Some(Duration::ZERO)` polls. With nothing that could
/// ever become readable it returns at once with an empty slice.
pub fn events(timeout: Option<Duration>, ready: &mut [Handle]) -> Result<&[Handle], Errno> {
    let early: Vec<Handle> = pending::readable().into_iter().map(Handle).take(ready.len()).collect();
    ready[..early.len()].copy_from_slice(&early);
    // Handles set aside are readable now: only poll the runner for more.
    let timeout_ns = if early.is_empty() { timeout_ns(timeout) } else { 0 };
    let from_runner = runner_events(timeout_ns, &mut ready[early.len()..])?;
    let mut count = early.len();
    for i in early.len()..early.len() + from_runner {
        if !ready[..count].contains(&ready[i]) {
            ready[count] = ready[i];
            count += 1;
        }
    }
    Ok(&ready[..count])
}

fn timeout_ns(timeout: Option<Duration>) -> i64 {
    match timeout {
        None => WAIT_FOREVER_NS,
        Some(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
    }
}

/// Reads every handle to EOF at once, in whatever order their bytes arrive, so a slow peer
/// never holds up the others. Returns the bytes of each, in the order of `handles`.
pub fn read_all(handles: &[Handle]) -> Result<Vec<Vec<u8>>, Errno> {
    let mut outputs = vec![Vec::new(); handles.len()];
    let mut open = vec![true; handles.len()];
    while open.iter().any(|o| *o) {
        for (i, handle) in handles.iter().enumerate() {
            if open[i] {
                open[i] = !drain(*handle, &mut outputs[i])?;
            }
        }
        let still_open: Vec<Handle> = handles.iter().zip(&open).filter(|(_, o)| **o).map(|(h, _)| *h).collect();
        if !still_open.is_empty() {
            wait_for(&still_open)?;
        }
    }
    Ok(outputs)
}

/// Takes all buffered bytes of `handle` into `out`; true once it reached EOF.
fn drain(handle: Handle, out: &mut Vec<u8>) -> Result<bool, Errno> {
    let mut chunk = [0u8; 4096];
    loop {
        match handle.try_read(&mut chunk) {
            Ok(0) => return Ok(true),
            Ok(n) => out.extend_from_slice(&chunk[..n]),
            Err(Errno::EAGAIN) => return Ok(false),
            Err(errno) => return Err(errno),
        }
    }
}

impl io::Read for Handle {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Ok(Handle::read(*self, buf)?)
    }
}

impl io::Write for Handle {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(Handle::write(*self, buf)?)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
