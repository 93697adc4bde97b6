#!/usr/bin/env node
import { main } from '../dist/cli-bundle/sup.js';

// Exit explicitly: a stdin reader left waiting must not keep a finished command alive.
process.exit(await main(process.argv.slice(2)));
