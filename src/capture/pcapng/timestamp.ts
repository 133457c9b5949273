// pcapng timestamps: a 64-bit count of interface-defined units (if_tsresol), plus if_tsoffset seconds.

/** Converts a pcapng (high, low) timestamp pair to microseconds since the epoch. */
export type TimestampToUs = (high: number, low: number) => number;

/**
 * Builds the converter for one interface. `tsresol` is the if_tsresol octet: top bit clear means
 * units of 10^-v seconds, set means 2^-v seconds; the default is 6 (microseconds).
 */
export function timestampConverter(tsresol: number, tsoffsetSeconds: number): TimestampToUs {
  const offsetUs = tsoffsetSeconds * 1_000_000;
  if ((tsresol & 0x80) === 0) {
    const exponent = tsresol;
    if (exponent <= 6) {
      // Units are coarser than or equal to a microsecond: exact in doubles for any real date.
      const scale = 10 ** (6 - exponent);
      return (high, low) => (high * 4294967296 + low) * scale + offsetUs;
    }
    const divisor = 10 ** (exponent - 6);
    return (high, low) => divideUint64(high, low, divisor) + offsetUs;
  }
  const shift = tsresol & 0x7f;
  const unitsPerSecond = 2 ** shift;
  return (high, low) => {
    const units = high * 4294967296 + low;
    const seconds = Math.floor(units / unitsPerSecond);
    const fraction = units - seconds * unitsPerSecond;
    return seconds * 1_000_000 + Math.floor((fraction * 1_000_000) / unitsPerSecond) + offsetUs;
  };
}

/**
 * floor((high·2^32 + low) / divisor) without BigInt: long division in 16-bit limbs keeps every
 * intermediate below 2^53 for divisors up to 10^9, so nanosecond timestamps stay exact.
 */
export function divideUint64(high: number, low: number, divisor: number): number {
  const limbs = [high >>> 16, high & 0xffff, low >>> 16, low & 0xffff];
  let quotient = 0;
  let remainder = 0;
  for (const limb of limbs) {
    const current = remainder * 65536 + limb;
    const digit = Math.floor(current / divisor);
    remainder = current - digit * divisor;
    quotient = quotient * 65536 + digit;
  }
  return quotient;
}
