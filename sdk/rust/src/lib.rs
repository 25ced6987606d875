//! Write Embly functions in Rust (the guide is docs/sdk.md in the Embly repository).
//!
//! A function is a WASI command (`fn main`) that talks to its peers through handles:
//! [`Handle::PARENT`] (handle 1) is whoever spawned it, [`spawn`] starts another function of
//! the project and returns the child's handle. Bytes are moved with [`Handle::read`] /
//! [`Handle::write_all`], [`Handle::close`] signals end-of-file, and [`events`] waits until
//! handles are readable. Every failure is an [`Errno`].
//!
//! ```no_run
//! use embly::http::{serve, Response};
//!
//! fn main() {
//!     serve(|_req| Response::text(200, "Hello from Rust!\n")).expect("answer the gateway");
//! }
//! ```
//!
//! The raw imports of docs/abi.md are in [`sys`].

mod errno;
mod handle;
pub mod http;
mod pending;
pub mod sys;

pub use errno::Errno;
pub use handle::{events, parent, read_all, spawn, Handle};

/// The version of the Embly function ABI this crate targets.
pub const ABI_VERSION: u32 = 1;
