import { usernameProblem } from './username.js';

/**
 * The checks each layer's option schema is made of (client, server, bot), and that the CLI's
 * config schema composes instead of restating bounds. Pure: a check returns what is wrong, the
 * layer turns it into its own coded error, naming the option's path.
 */

/** How a layer names an option in a message, e.g. `option port`, `limits.rate.burst` or `"bot.limits"`. */
export type PathStyle = (path: string) => string;

/** What is wrong with one option: its dotted path and a message naming it. */
export interface OptionProblem {
  readonly path: string;
  readonly message: string;
}

export type Check = (value: unknown, path: string, style: PathStyle) => OptionProblem | undefined;

/** Options by key; a nested shape is an object option of its own. */
export interface Shape {
  readonly [key: string]: Check | Shape;
}

/** Paths as they are: `limits.rate.burst`. */
export const plainPath: PathStyle = (path) => path;

export function show(value: unknown): string {
  if (typeof value === 'number' || value === undefined) return String(value);
  return JSON.stringify(value) ?? String(value);
}

function problem(path: string, style: PathStyle, expected: string, value: unknown): OptionProblem {
  return { path, message: `${style(path)} must be ${expected}, got ${show(value)}` };
}

export const isString: Check = (value, path, style) =>
  typeof value === 'string' && value.length > 0 ? undefined : problem(path, style, 'a non-empty string', value);

export const isAnything: Check = () => undefined;

export const isUsername: Check = (value, path, style) => {
  const why = typeof value === 'string' ? usernameProblem(value) : 'it is not a string';
  return why === undefined ? undefined : { path, message: `${style(path)} must be a username, got ${show(value)}: ${why}` };
};

// The checks made by isRequired, so an object check reports their key when it is absent.
const REQUIRED = new WeakSet<Check>();

/** A key that has no default: an object check reports it when it is absent. */
export function isRequired(check: Check): Check {
  const required: Check = (value, path, style) => (value === undefined ? { path, message: `${style(path)} is required` } : check(value, path, style));
  REQUIRED.add(required);
  return required;
}

export const isBoolean: Check = (value, path, style) =>
  typeof value === 'boolean' ? undefined : problem(path, style, 'true or false', value);

/** A whole number in [min, max]; `orInfinity` also lets `Infinity` through ("never"). */
export function isInteger(min: number, max = Number.MAX_SAFE_INTEGER, orInfinity = false): Check {
  const range = max === Number.MAX_SAFE_INTEGER ? `a whole number of at least ${min}` : `a whole number from ${min} to ${max}`;
  const expected = orInfinity ? `${range} (or Infinity)` : range;
  return (value, path, style) =>
    (orInfinity && value === Infinity) || (Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max)
      ? undefined
      : problem(path, style, expected, value);
}

/** A finite number of at least `min` (fractions allowed). */
export function isNumberAtLeast(min: number): Check {
  return (value, path, style) =>
    typeof value === 'number' && Number.isFinite(value) && value >= min ? undefined : problem(path, style, `a number of at least ${min}`, value);
}

/** A finite number above `min` (fractions allowed). */
export function isNumberAbove(min: number): Check {
  return (value, path, style) =>
    typeof value === 'number' && Number.isFinite(value) && value > min ? undefined : problem(path, style, `a number above ${min}`, value);
}

function checkOf(entry: Check | Shape, unknownKeys: UnknownKeys): Check {
  return typeof entry === 'function' ? entry : isObject(entry, unknownKeys);
}

type UnknownKeys = 'refuse' | 'ignore';

/**
 * An object of `shape`, nested shapes included. `unknownKeys: 'refuse'` (a config file) reports
 * a key the shape does not know, with the known ones; `'ignore'` (typed API options) checks only
 * the known keys, and lets an absent one take its default.
 */
export function isObject(shape: Shape, unknownKeys: UnknownKeys = 'refuse'): Check {
  const checks = new Map(Object.entries(shape).map(([key, entry]) => [key, checkOf(entry, unknownKeys)]));
  const required = [...checks].filter(([, check]) => REQUIRED.has(check)).map(([key]) => key);
  return (value, path, style) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return problem(path, style, 'an object', value);
    const keys = unknownKeys === 'refuse' ? [...Object.keys(value), ...required.filter((key) => !(key in value))] : [...checks.keys()];
    for (const key of keys) {
      const child = (value as Record<string, unknown>)[key];
      const childPath = path ? `${path}.${key}` : key;
      const check = checks.get(key);
      if (check === undefined) {
        return { path: childPath, message: `unknown key ${style(childPath)} (known keys: ${[...checks.keys()].join(', ')})` };
      }
      if (child === undefined && unknownKeys === 'ignore' && !REQUIRED.has(check)) continue;
      const found = check(child, childPath, style);
      if (found) return found;
    }
    return undefined;
  };
}

export function isArrayOf(item: Check): Check {
  return (value, path, style) => {
    if (!Array.isArray(value)) return problem(path, style, 'an array', value);
    for (const [index, element] of value.entries()) {
      const found = item(element, `${path}[${index}]`, style);
      if (found) return found;
    }
    return undefined;
  };
}

/** Passes what `first` passes, else reports what `second` says. */
export function isEither(first: Check, second: Check): Check {
  return (value, path, style) => (first(value, path, style) === undefined ? undefined : second(value, path, style));
}

/** One value of `item`'s shape, or an array of them. */
export function isOneOrMany(item: Check): Check {
  const many = isArrayOf(item);
  return (value, path, style) => (Array.isArray(value) ? many(value, path, style) : item(value, path, style));
}

/** The part of `shape` under `keys`, for a config that exposes only some of a layer's options. */
export function pick<S extends Shape, K extends keyof S & string>(shape: S, ...keys: K[]): Pick<S, K> {
  return Object.fromEntries(keys.map((key) => [key, shape[key]])) as Pick<S, K>;
}
