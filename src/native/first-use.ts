// The native build on first use: when npm did not run the package's install
// script (npm's --ignore-scripts, or an allow-scripts policy that refused
// it), the first `embly` command builds the runner and the addon itself,
// saying so in one line, with the same cmake-js command the script runs.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { InstallationError } from '../errors.js';
import { defaultNativeBuild, nativeBin, nativeBuild, packageRoot, runnerBinary } from '../paths.js';

/** What the native build needs from Debian (scripts/setup.sh installs the same). */
const BUILD_PACKAGES = 'apt-get install cmake g++ make pkg-config libseccomp-dev';

export function nativeBuilt(): boolean {
  return existsSync(runnerBinary) && existsSync(join(nativeBin, 'embly_native.node'));
}

/** Builds the native parts unless they are there; throws InstallationError when the build fails. */
export function ensureNativeBuild(say: (line: string) => void): void {
  if (nativeBuilt()) return;
  // Only the default build is made here: another one (EMBLY_NATIVE_BUILD) has its own flags.
  if (nativeBuild !== defaultNativeBuild) throw new InstallationError(`EMBLY_NATIVE_BUILD names ${nativeBuild}, which has no runner or addon: build it first (docs/sanitizers.md)`);
  say(`embly: building the native parts in ${packageRoot} (npm did not run the install script; once only)`);
  const cmakeJs = createRequire(import.meta.url).resolve('cmake-js/bin/cmake-js');
  const build = spawnSync(process.execPath, [cmakeJs, 'compile', '--out', 'build/native'], { cwd: packageRoot, encoding: 'utf8' });
  if (build.status === 0 && nativeBuilt()) return;
  const output = `${build.stdout ?? ''}${build.stderr ?? ''}`;
  const named = /embly: the native build needs ([^\n]*)/.exec(output)?.[1]; // CMakeLists.txt names the Debian package
  const reason = named ? `it needs ${named}, then "npm rebuild -g embly"`
    : /EACCES|Permission denied/.test(output) ? `${packageRoot} is not writable: run "sudo npm rebuild -g embly"`
    : /CMake executable is not found|cmake: not found|CMAKE_CXX_COMPILER|Could not find/i.test(output) ? `a build tool or library is missing: ${BUILD_PACKAGES}, then "npm rebuild -g embly"`
    : `run "npm rebuild -g embly --foreground-scripts" to see the build's output`;
  throw new InstallationError(`the native build failed: ${reason}`);
}
