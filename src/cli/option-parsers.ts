import { InvalidArgumentError } from 'commander';

/** A commander parser for a whole number in [min, max]. */
export function integerOption(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `a whole number of at least ${min}` : `a whole number from ${min} to ${max}`;
      throw new InvalidArgumentError(`expected ${range}.`);
    }
    return parsed;
  };
}

export const parsePort = integerOption(0, 65_535);
