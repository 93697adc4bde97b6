// Bundles the CLI: a cron job or a shell loop pays start-up on every call, and a few
// modules load faster than a tree of them. Code split at the dynamic imports, so a one-shot
// command never parses the server, the bot runtime or cosmiconfig. The library stays
// unbundled in dist/.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const OUT_DIR = 'dist/cli-bundle';

// commander requires child_process at load time only for executable subcommands, which sup
// does not use; loading it on first use instead takes it off every command's start-up.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(build) {
    build.onResolve({ filter: /^node:child_process$/ }, (args) =>
      args.importer.includes('/node_modules/commander/') ? { path: 'lazy-child-process', namespace: 'sup' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'sup' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });",
      loader: 'js',
    }));
  },
};

// Chunk names carry content hashes: clear out the last build's, or they pile up.
rmSync(OUT_DIR, { recursive: true, force: true });

await build({
  entryPoints: { sup: 'src/cli/main.ts' },
  outdir: OUT_DIR,
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  keepNames: true,
  sourcemap: true,
  chunkNames: 'chunks/[name]-[hash]',
  // ora is loaded only when a spinner shows; typescript only for .ts config files we never search;
  // nats only by a cluster node (its own chunk imports it).
  external: ['ora', 'typescript', 'nats'],
  // Bundled CommonJS dependencies (commander, cosmiconfig) still call require() for built-ins.
  banner: { js: "import { createRequire as supCreateRequire } from 'node:module'; const require = supCreateRequire(import.meta.url);" },
  plugins: [lazyChildProcess],
  logLevel: 'warning',
});
