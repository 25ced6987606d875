// How an instance's address is written wherever people read it (logs, errors, the
// daemon's lines about instances): 16 hex digits, as the runner writes it
// (native/runner/log.c, "%016llx"), so one instance reads the same in every
// line about it.

export function formatAddress(address: bigint): string {
  return address.toString(16).padStart(16, '0');
}
