#!/usr/bin/env node
// The `trellis` command. Sources are TypeScript; tsx compiles them on load so a fresh
// clone needs no build step. The container image runs an esbuild bundle instead.
require('tsx/cjs/api').register();
require('./trellis.ts');
