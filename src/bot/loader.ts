import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BotErrorCode, PluginLoadError } from './errors.js';
import { registerSupResolution } from './module-resolve.js';
import { pluginShapeProblem, type AnyPlugin, type Plugin } from './plugin.js';

/** One plugin to load: a module path (relative to cwd) or package name, and its raw options. */
export interface PluginSpec {
  module: string;
  options?: unknown;
}

/** A plugin whose shape was checked and whose options were validated. */
export interface LoadedPlugin<TOptions = unknown> {
  plugin: Plugin<TOptions>;
  options: TOptions;
  /** The module as it was given, or the plugin name for plugins handed in as objects. */
  module: string;
}

export interface LoadPluginsOptions {
  /** Relative paths and package names are resolved from here. */
  cwd: string;
}

/**
 * Loads every plugin module, checks each default export's shape and validates its options,
 * in order. The first failure throws a `PluginLoadError` naming the module; nothing is
 * skipped, so a bot never runs half-loaded.
 */
export async function loadPlugins(specs: readonly PluginSpec[], options: LoadPluginsOptions): Promise<LoadedPlugin[]> {
  const loaded: LoadedPlugin[] = [];
  // A plugin file anywhere on disk may `import 'sup'` without installing it.
  if (specs.length > 0) registerSupResolution();
  for (const spec of specs) {
    const file = resolvePluginModule(spec.module, options.cwd);
    let namespace: Record<string, unknown>;
    try {
      namespace = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (error) {
      throw new PluginLoadError(
        BotErrorCode.PluginImportFailed,
        `cannot load plugin module "${spec.module}" (${file}): ${(error as Error)?.message ?? String(error)}; fix the module and try again`,
        { module: spec.module, cause: error },
      );
    }
    loaded.push(preparePlugin(defaultExport(namespace, spec.module), spec.options, spec.module));
  }
  checkUniqueNames(loaded);
  return loaded;
}

/**
 * Checks a plugin object's shape and validates its options, as `loadPlugins` does for each
 * module; for plugins imported by hand (the test kit, embedding).
 */
export function preparePlugin(value: unknown, rawOptions: unknown, module?: string): LoadedPlugin {
  const problem = pluginShapeProblem(value);
  const where = module ?? describeName(value);
  if (problem !== undefined) {
    throw new PluginLoadError(
      BotErrorCode.PluginInvalidShape,
      `plugin module "${where}" does not export a usable plugin: ${problem}`,
      { module: where },
    );
  }
  const plugin = value as AnyPlugin;
  const label = module === undefined || module === plugin.name ? `plugin "${plugin.name}"` : `plugin "${plugin.name}" (${module})`;
  return { plugin, options: validateOptions(plugin, rawOptions, label, module ?? plugin.name), module: module ?? plugin.name };
}

/** Throws if two loaded plugins share a name (their stores and logs would collide). */
export function checkUniqueNames(loaded: readonly LoadedPlugin[]): void {
  const seen = new Map<string, string>();
  for (const { plugin, module } of loaded) {
    const earlier = seen.get(plugin.name);
    if (earlier !== undefined) {
      throw new PluginLoadError(
        BotErrorCode.PluginDuplicateName,
        `plugin modules "${earlier}" and "${module}" are both named "${plugin.name}": ` +
          'load each plugin once, or give one of them another name',
        { module, plugin: plugin.name },
      );
    }
    seen.set(plugin.name, module);
  }
}

function validateOptions(plugin: AnyPlugin, raw: unknown, label: string, module: string): unknown {
  if (plugin.options === undefined) {
    if (raw === undefined || raw === null || isEmptyObject(raw)) return undefined;
    throw new PluginLoadError(
      BotErrorCode.PluginInvalidOptions,
      `${label} takes no options, but some were given: remove them from its configuration`,
      { module, plugin: plugin.name },
    );
  }
  let options: unknown;
  try {
    options = plugin.options(raw);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PluginLoadError(
      BotErrorCode.PluginInvalidOptions,
      `invalid options for ${label}: ${reason}; fix them in its configuration`,
      { module, plugin: plugin.name, cause: error },
    );
  }
  if (options !== null && typeof (options as { then?: unknown })?.then === 'function') {
    throw new PluginLoadError(
      BotErrorCode.PluginInvalidOptions,
      `the options validator of ${label} returned a promise: it must check and return the options synchronously`,
      { module, plugin: plugin.name },
    );
  }
  return options;
}

function defaultExport(namespace: Record<string, unknown>, module: string): unknown {
  if (!('default' in namespace) || namespace.default === undefined) {
    throw new PluginLoadError(
      BotErrorCode.PluginInvalidShape,
      `plugin module "${module}" has no default export: end it with "export default definePlugin({ name, setup })"`,
      { module },
    );
  }
  const value = namespace.default as Record<string, unknown> | null;
  // A CommonJS module compiled from `export default` arrives wrapped once more.
  if (value !== null && typeof value === 'object' && !('setup' in value) && 'default' in value) return value.default;
  return value;
}

/** The absolute file of a plugin module: a path (relative to cwd), a file: URL, or a package name. */
export function resolvePluginModule(specifier: string, cwd: string): string {
  if (specifier.startsWith('file:')) return existingFile(fileURLToPath(specifier), specifier);
  const asPath = resolve(cwd, specifier);
  if (isFile(asPath)) return asPath;
  if (looksLikePath(specifier)) return existingFile(asPath, specifier);
  const resolved = resolvePackage(specifier, cwd);
  if (resolved !== undefined) return resolved;
  throw new PluginLoadError(
    BotErrorCode.PluginNotFound,
    `cannot find plugin module "${specifier}": it is neither a file under ${cwd} nor an installed package; ` +
      `give a path such as ./${specifier}.js, or install the package (npm install ${packageName(specifier)})`,
    { module: specifier },
  );
}

function existingFile(file: string, specifier: string): string {
  if (isFile(file)) return file;
  const what = isDirectory(file)
    ? 'is a directory; point at the module file inside it'
    : 'does not exist; check the path (relative paths start from the working directory, or from the config file for plugins listed there)';
  throw new PluginLoadError(BotErrorCode.PluginNotFound, `cannot load plugin module "${specifier}": ${file} ${what}`, {
    module: specifier,
  });
}

function looksLikePath(specifier: string): boolean {
  return (
    isAbsolute(specifier) ||
    specifier.startsWith('.') ||
    /\.(?:m?js|cjs|ts|mts)$/.test(specifier) ||
    (specifier.includes('\\') && !specifier.startsWith('@'))
  );
}

/** Node's ESM resolution of a bare specifier from cwd, for the `import`/`node`/`default` conditions. */
function resolvePackage(specifier: string, cwd: string): string | undefined {
  const name = packageName(specifier);
  const subpath = `.${specifier.slice(name.length)}`;
  const require = createRequire(join(cwd, 'noop.js'));
  for (const base of require.resolve.paths(specifier) ?? []) {
    const root = join(base, name);
    const manifest = readManifest(join(root, 'package.json'));
    if (manifest === undefined) continue;
    const target = manifest.exports !== undefined ? exportTarget(manifest.exports, subpath) : legacyTarget(manifest, subpath);
    if (target === undefined) continue;
    const file = resolve(root, target);
    if (isFile(file)) return file;
  }
  // Packages this resolver does not understand (subpath patterns, CommonJS-only layouts).
  try {
    return require.resolve(specifier);
  } catch {
    return undefined;
  }
}

interface Manifest {
  exports?: unknown;
  main?: unknown;
}

function readManifest(file: string): Manifest | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return parsed !== null && typeof parsed === 'object' ? (parsed as Manifest) : undefined;
  } catch {
    return undefined;
  }
}

function exportTarget(exports: unknown, subpath: string): string | undefined {
  const isSubpathMap =
    exports !== null && typeof exports === 'object' && !Array.isArray(exports) && Object.keys(exports).some((key) => key.startsWith('.'));
  if (!isSubpathMap) return subpath === '.' ? conditionTarget(exports) : undefined;
  return conditionTarget((exports as Record<string, unknown>)[subpath]);
}

const CONDITIONS = new Set(['import', 'node', 'default']);

function conditionTarget(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    for (const entry of value) {
      const target = conditionTarget(entry);
      if (target !== undefined) return target;
    }
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  for (const [condition, target] of Object.entries(value)) {
    if (CONDITIONS.has(condition)) {
      const found = conditionTarget(target);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function legacyTarget(manifest: Manifest, subpath: string): string | undefined {
  if (subpath !== '.') return subpath;
  return typeof manifest.main === 'string' ? manifest.main : 'index.js';
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') && parts.length > 1 ? `${parts[0]}/${parts[1]}` : (parts[0] ?? specifier);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isEmptyObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0;
}

function describeName(value: unknown): string {
  const name = (value as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : '(plugin object)';
}

