// The raw `embly` imports, exactly as docs/abi.md lists them (ABI version 1). Each returns a
// WASI errno and writes its results through the `*Out` pointers. Prefer the wrappers in
// handle.ts; these are here for full control over every errno.

@external("embly", "read")
export declare function read(handle: u32, buf: usize, len: u32, nreadOut: usize): i32;

@external("embly", "write")
export declare function write(handle: u32, buf: usize, len: u32, nwrittenOut: usize): i32;

@external("embly", "spawn")
export declare function spawn(namePtr: usize, nameLen: u32, handleOut: usize): i32;

@external("embly", "events")
export declare function events(timeoutNs: i64, handlesPtr: usize, cap: u32, nOut: usize): i32;

@external("embly", "close")
export declare function close(handle: u32): i32;
