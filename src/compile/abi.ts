// Mirrors native/include/embly/abi.h; test/build/abi.test.ts checks they agree.
export const EMBLY_ABI_VERSION = 2;
