#!/usr/bin/env node
// The `tessera` command. In an installed package it runs the build; in a checkout of Tessera itself it runs the
// TypeScript sources through tsx, so the command can never be older than the code beside it.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const source = join(__dirname, '..', 'src', 'cli', 'index.ts');
const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env };
const cli = existsSync(source) ? require('tsx/cjs/api').require(source, __filename) : require('../../../dist/cli.cjs');
cli.runCli(process.argv.slice(2), io).then(
  (code) => { process.exitCode = code; },
  () => { process.stderr.write('error: unexpected failure\n'); process.exitCode = 1; },
);
