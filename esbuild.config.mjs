// Bundles the CLI: a cron job or a shell loop pays start-up on every call, and a few
// modules load faster than a tree of them. Code split at the dynamic imports, so a one-shot
// command never parses the server, the bot runtime or cosmiconfig. The library stays
// unbundled in dist/.
import { build } from 'esbuild';

await build({
  entryPoints: { sup: 'src/cli/main.ts' },
  outdir: 'dist/cli-bundle',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  keepNames: true,
  sourcemap: true,
  chunkNames: 'chunks/[name]-[hash]',
  // ora is loaded only when a spinner shows; typescript only for .ts config files we never search.
  external: ['ora', 'typescript'],
  // Bundled CommonJS dependencies (commander, cosmiconfig) still call require() for built-ins.
  banner: { js: "import { createRequire as supCreateRequire } from 'node:module'; const require = supCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
