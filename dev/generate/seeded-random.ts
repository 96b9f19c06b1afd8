// A small seeded PRNG (mulberry32) for the estate generator: the same seed gives the same estate, byte for byte,
// on every machine and Node version, which Math.random() cannot promise.

export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A generator for one part of the estate, independent of how many numbers other parts drew. */
  static derive(seed: number, ...labels: (string | number)[]): SeededRandom {
    let hash = (seed ^ 0x9e3779b9) >>> 0;
    for (const label of labels) {
      const text = String(label);
      for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
      hash = Math.imul(hash ^ 0x2f, 0x01000193) >>> 0;
    }
    return new SeededRandom(hash);
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** `expected` rounded up or down at random, so small fractions still add up over many draws. */
  round(expected: number): number {
    const whole = Math.floor(expected);
    return whole + (this.chance(expected - whole) ? 1 : 0);
  }

  /** Lower-case hex of `length` characters. */
  hex(length: number): string {
    let out = "";
    while (out.length < length)
      out += Math.floor(this.next() * 0x10000)
        .toString(16)
        .padStart(4, "0");
    return out.slice(0, length);
  }

  guid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${"89ab"[this.int(0, 3)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

/**
 * Cycles through a fixed pattern of variants. Pass and fail cases are spread by pattern rather than by chance, so
 * even a small estate holds every case, while the PRNG still varies names, sizes and addresses.
 */
export class VariantCycle<T> {
  private index = 0;

  constructor(private readonly pattern: readonly T[]) {}

  next(): T {
    const value = this.pattern[this.index % this.pattern.length]!;
    this.index += 1;
    return value;
  }
}
