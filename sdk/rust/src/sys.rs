//! The raw `embly` imports, exactly as docs/abi.md lists them (ABI version 1).
//!
//! Every call returns a WASI errno and writes its results through the `*_out` pointers.
//! Prefer the safe wrappers in [`crate::Handle`], [`crate::spawn`] and [`crate::events`].

#[cfg(target_arch = "wasm32")]
#[link(wasm_import_module = "embly")]
extern "C" {
    pub fn read(handle: u32, buf: *mut u8, len: u32, nread_out: *mut u32) -> i32;
    pub fn write(handle: u32, buf: *const u8, len: u32, nwritten_out: *mut u32) -> i32;
    pub fn spawn(name_ptr: *const u8, name_len: u32, handle_out: *mut u32) -> i32;
    pub fn events(timeout_ns: i64, handles_ptr: *mut u32, cap: u32, n_out: *mut u32) -> i32;
    pub fn close(handle: u32) -> i32;
}

// Host builds (e.g. `cargo test` of the HTTP parser) link without a runner:
// every call answers ENOSYS, as an unsupported import would.
#[cfg(not(target_arch = "wasm32"))]
mod host {
    const ENOSYS: i32 = 52;

    pub unsafe fn read(_: u32, _: *mut u8, _: u32, _: *mut u32) -> i32 {
        ENOSYS
    }
    pub unsafe fn write(_: u32, _: *const u8, _: u32, _: *mut u32) -> i32 {
        ENOSYS
    }
    pub unsafe fn spawn(_: *const u8, _: u32, _: *mut u32) -> i32 {
        ENOSYS
    }
    pub unsafe fn events(_: i64, _: *mut u32, _: u32, _: *mut u32) -> i32 {
        ENOSYS
    }
    pub unsafe fn close(_: u32) -> i32 {
        ENOSYS
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use host::*;
