use std::fmt;
use std::io;

/// A WASI errno returned by an `embly` import (never `0`: success is `Ok`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(i32);

impl Errno {
    /// `spawn` not allowed: `embly/http` for a function without `allowed_outbound_hosts`.
    pub const EACCES: Errno = Errno(2);
    /// Nothing to read yet: the peer is open but has sent nothing new.
    pub const EAGAIN: Errno = Errno(6);
    /// Unknown handle, or writing to a handle this instance closed.
    pub const EBADF: Errno = Errno(8);
    /// A pointer range outside the instance's memory (an SDK bug if you see it).
    pub const EFAULT: Errno = Errno(21);
    /// A malformed argument, e.g. an empty or over-long function name.
    pub const EINVAL: Errno = Errno(28);
    /// `spawn` of a name the project does not have.
    pub const ENOENT: Errno = Errno(44);
    /// `spawn` refused: the function is at its `max_instances`.
    pub const ENOMEM: Errno = Errno(48);
    /// Not available here (also what host builds get from every call).
    pub const ENOSYS: Errno = Errno(52);
    /// Writing to a peer that has exited.
    pub const EPIPE: Errno = Errno(64);

    /// Wraps a raw errno; `0` means success and gives `None`.
    pub const fn from_raw(code: i32) -> Option<Errno> {
        if code == 0 {
            None
        } else {
            Some(Errno(code))
        }
    }

    /// The raw WASI errno value.
    pub const fn raw(self) -> i32 {
        self.0
    }

    /// The errno's symbolic name, e.g. `"EAGAIN"`.
    pub fn name(self) -> &'static str {
        match self.0 {
            2 => "EACCES",
            6 => "EAGAIN",
            8 => "EBADF",
            21 => "EFAULT",
            28 => "EINVAL",
            44 => "ENOENT",
            48 => "ENOMEM",
            52 => "ENOSYS",
            64 => "EPIPE",
            _ => "E?",
        }
    }

    fn meaning(self) -> &'static str {
        match self.0 {
            2 => "not allowed by the project file",
            6 => "nothing to read yet",
            8 => "unknown or closed handle",
            21 => "buffer outside the instance's memory",
            28 => "invalid argument",
            44 => "no such function in the project",
            48 => "function is at its max_instances",
            52 => "not available here",
            64 => "peer has exited",
            _ => "unknown errno",
        }
    }
}

/// Turns an import's return value into a `Result`.
pub(crate) fn check(code: i32) -> Result<(), Errno> {
    match Errno::from_raw(code) {
        None => Ok(()),
        Some(errno) => Err(errno),
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.name(), self.0, self.meaning())
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Errno({}, {})", self.name(), self.0)
    }
}

impl std::error::Error for Errno {}

impl From<Errno> for io::Error {
    fn from(errno: Errno) -> io::Error {
        let kind = match errno {
            Errno::EACCES => io::ErrorKind::PermissionDenied,
            Errno::EAGAIN => io::ErrorKind::WouldBlock,
            Errno::EINVAL => io::ErrorKind::InvalidInput,
            Errno::ENOENT => io::ErrorKind::NotFound,
            Errno::ENOMEM => io::ErrorKind::OutOfMemory,
            Errno::ENOSYS => io::ErrorKind::Unsupported,
            Errno::EPIPE => io::ErrorKind::BrokenPipe,
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, errno)
    }
}
