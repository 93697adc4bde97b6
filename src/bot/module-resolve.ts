import { readFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BotError, BotErrorCode } from './errors.js';

// Runs in node's loader thread. `sup` and `sup/...` resolve as usual first, so a plugin that
// installed its own copy keeps it; only when that finds nothing do they resolve as
// self-references from the running package (through its "exports", like any import).
const HOOK_SOURCE = `
let packageJsonUrl;
export function initialize(data) { packageJsonUrl = data.packageJsonUrl; }
export async function resolve(specifier, context, next) {
  if (specifier !== 'sup' && !specifier.startsWith('sup/')) return next(specifier, context);
  try {
    return await next(specifier, context);
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    return next(specifier, { ...context, parentURL: packageJsonUrl });
  }
}
`;

const HOOK_URL = `data:text/javascript,${encodeURIComponent(HOOK_SOURCE)}`;

let registered = false;

/** The root folder of the running `sup` package (the nearest package.json named "sup" above this file). */
export function supPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (manifest.name === 'sup') return dir;
    } catch {
      // No readable package.json here: keep going up.
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new BotError(
        BotErrorCode.PackageNotFound,
        `cannot find the sup package (a package.json named "sup") above ${fileURLToPath(import.meta.url)}: reinstall sup`,
      );
    }
    dir = parent;
  }
}

/** The data the hook needs: where the running package's package.json is. */
function hookData(): { packageJsonUrl: string } {
  return { packageJsonUrl: pathToFileURL(join(supPackageRoot(), 'package.json')).href };
}

/**
 * Makes `import ... from 'sup'` (and `sup/testing`) work in plugin files anywhere on disk,
 * with no install next to them, by resolving to the running package. Idempotent. False when
 * this Node has no `module.register` (before 20.6): plugins then need `sup` installed.
 */
export function registerSupResolution(): boolean {
  if (registered) return true;
  const register = (nodeModule as { register?: (url: string, options: { data: unknown }) => void }).register;
  if (typeof register !== 'function') return false;
  register(HOOK_URL, { data: hookData() });
  registered = true;
  return true;
}

/**
 * A module for `node --import` that registers the same resolution in another process (what
 * `sup bot test` runs node's test runner with).
 */
export function supResolutionImport(): string {
  const source = `import { register } from 'node:module'; register(${JSON.stringify(HOOK_URL)}, { data: ${JSON.stringify(hookData())} });`;
  return `data:text/javascript,${encodeURIComponent(source)}`;
}
