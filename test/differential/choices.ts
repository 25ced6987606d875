// The generator's randomness: a sequence of numbers fast-check draws and
// shrinks. Every decision takes the next number modulo its number of options,
// and options are listed simplest first; once the sequence runs out every
// decision is 0. So a shorter sequence, or smaller numbers in it, is a smaller
// module: fast-check's shrinking of the array shrinks the module.
import fc from 'fast-check';

export const choiceSequence = (maxLength = 4000): fc.Arbitrary<number[]> =>
  fc.array(fc.nat({ max: 0xffffffff }), { minLength: Math.min(500, maxLength), maxLength, size: 'max' });

export class Choices {
  private at = 0;

  constructor(private readonly sequence: readonly number[]) {}

  /** 0 .. n-1 */
  int(n: number): number {
    if (n <= 1) return 0;
    const x = this.sequence[this.at++];
    return x === undefined ? 0 : x % n;
  }

  /** true with probability about `percent` in 100 (false when the sequence ran out) */
  chance(percent: number): boolean {
    return this.int(100) >= 100 - percent;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from nothing: a generator bug');
    return items[this.int(items.length)]!;
  }

  /** an unsigned 32-bit pattern */
  bits32(): number {
    const x = this.sequence[this.at++];
    return x === undefined ? 0 : x >>> 0;
  }

  bits64(): bigint {
    return (BigInt(this.bits32()) << 32n) | BigInt(this.bits32());
  }
}
