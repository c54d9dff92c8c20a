#!/usr/bin/env node
// `npx dbaas`: runs the TypeScript CLI through tsx.
require('tsx/cjs');
require('../src/starter/cli.ts').buildProgram().parseAsync(process.argv);
