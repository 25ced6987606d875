// `embly sdk-path LANG`: where this installation's SDK for a language is,
// for an editor or a language server (docs/sdk.md, "Where the SDKs are").
// `embly build` uses the same paths: cargo gets the Rust one as a [patch]
// of the crate `embly`, clang the C one on its include path, asc the
// AssemblyScript one as the package `embly`.
import { Argument, type Command } from 'commander';
import { join } from 'node:path';
import { sdkDir } from '../paths.js';

export const SDK_PATHS = {
  rust: join(sdkDir, 'rust'), // the crate: rust-analyzer's linkedProjects, or a path dependency
  c: join(sdkDir, 'c'), // the directory of embly.h: -I for clangd
  assemblyscript: join(sdkDir, 'assemblyscript'), // the package "embly"
} as const;

export function addSdkPathCommand(program: Command): void {
  program.command('sdk-path')
    .description("print where this installation's SDK for a language is (for editors)")
    .addArgument(new Argument('<language>', 'rust, c or assemblyscript').choices(Object.keys(SDK_PATHS)))
    .action((language: keyof typeof SDK_PATHS) => { console.log(SDK_PATHS[language]); });
}
