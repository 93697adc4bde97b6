// Bundles the CLI into one file: a cron job or a shell loop pays start-up on every call,
// and one module loads faster than a tree of them. The library stays unbundled in dist/.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/sup.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // ora is loaded only when a spinner shows; typescript only for .ts config files we never search.
  external: ['ora', 'typescript'],
  // Bundled CommonJS dependencies (commander, cosmiconfig) still call require() for built-ins.
  banner: { js: "import { createRequire as supCreateRequire } from 'node:module'; const require = supCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
