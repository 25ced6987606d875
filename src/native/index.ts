// The only loader of the native addon (build/native/bin/embly_native.node):
// everything else imports these typed functions, never the addon itself.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { nativeBin } from '../paths.js';

interface NativeAddon {
  readonly abiVersion: number;
}

let addon: NativeAddon | undefined;

function load(): NativeAddon {
  addon ??= createRequire(import.meta.url)(join(nativeBin, 'embly_native.node')) as NativeAddon;
  return addon;
}

/** The runtime ABI version the native build was compiled with. */
export function nativeAbiVersion(): number {
  return load().abiVersion;
}
