import test from 'ava';
import { formatAddress } from '../../src/instance-address.js';

test('an instance address is written as 16 hex digits, as the runner writes it', (t) => {
  t.is(formatAddress(0x1fn), '000000000000001f');
  t.is(formatAddress(0xffff_ffff_ffff_ffffn), 'ffffffffffffffff');
});
