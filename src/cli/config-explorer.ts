import { cosmiconfig, type PublicExplorer } from 'cosmiconfig';
import { loadModule, loadTypeScript } from './config-loaders.js';

/**
 * Kept in its own module so it can be imported on demand: the bundle splits it off, and the
 * CommonJS interop of the static import above survives code splitting (a bare dynamic
 * `import('cosmiconfig')` would arrive as a default export only).
 */
export function createExplorer(searchPlaces: string[]): PublicExplorer {
  const loaders = { '.js': loadModule, '.mjs': loadModule, '.cjs': loadModule, '.ts': loadTypeScript };
  return cosmiconfig('sup', { searchPlaces, cache: false, loaders });
}
