/**
 * A small declarative checker for config files: each key names what it accepts, so an
 * unknown key or a wrong type is reported with its full path instead of being ignored.
 */
export type Check = (value: unknown, path: string) => string | undefined;

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value) ?? value);
}

export const isString: Check = (value, path) =>
  typeof value === 'string' && value.length > 0 ? undefined : `"${path}" must be a non-empty string, got ${show(value)}`;

export function isInteger(min: number, max = Number.MAX_SAFE_INTEGER): Check {
  return (value, path) => {
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return undefined;
    const range = max === Number.MAX_SAFE_INTEGER ? `a whole number of at least ${min}` : `a whole number from ${min} to ${max}`;
    return `"${path}" must be ${range}, got ${show(value)}`;
  };
}

export const isAnything: Check = () => undefined;

export const isBoolean: Check = (value, path) => (typeof value === 'boolean' ? undefined : `"${path}" must be true or false, got ${show(value)}`);

export function isOneOf(...choices: readonly string[]): Check {
  return (value, path) =>
    typeof value === 'string' && choices.includes(value)
      ? undefined
      : `"${path}" must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, got ${show(value)}`;
}

export function isObject(shape: Record<string, Check>): Check {
  return (value, path) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return `${path ? `"${path}"` : 'the config'} must be an object, got ${show(value)}`;
    }
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      const check = Object.hasOwn(shape, key) ? shape[key] : undefined;
      if (!check) {
        return `unknown key "${childPath}" (known keys: ${Object.keys(shape).join(', ')})`;
      }
      const problem = check(child, childPath);
      if (problem) return problem;
    }
    return undefined;
  };
}

export function isArrayOf(item: Check): Check {
  return (value, path) => {
    if (!Array.isArray(value)) return `"${path}" must be an array, got ${show(value)}`;
    for (const [index, element] of value.entries()) {
      const problem = item(element, `${path}[${index}]`);
      if (problem) return problem;
    }
    return undefined;
  };
}

export function isEither(first: Check, second: Check): Check {
  return (value, path) => (first(value, path) === undefined ? undefined : second(value, path));
}

export function isNumber(min: number): Check {
  return (value, path) =>
    typeof value === 'number' && Number.isFinite(value) && value >= min
      ? undefined
      : `"${path}" must be a number of at least ${min}, got ${show(value)}`;
}

/** One value of `item`'s shape, or an array of them. */
export function isOneOrMany(item: Check): Check {
  const many = isArrayOf(item);
  return (value, path) => (Array.isArray(value) ? many(value, path) : item(value, path));
}
