#!/usr/bin/env node
import module from 'node:module';

// Node >= 22.1 keeps compiled code on disk: a one-shot command is mostly start-up. Before the
// import below, so the bundle itself is cached; Node 20 has no such function and skips this.
module.enableCompileCache?.();
const { main } = await import('../dist/cli-bundle/sup.js');

// Exit explicitly: a stdin reader left waiting must not keep a finished command alive.
process.exit(await main(process.argv.slice(2)));
