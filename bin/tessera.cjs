#!/usr/bin/env node
// The `tessera` command. Runs the built CLI; in a checkout without a build, the TypeScript sources through tsx.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const built = join(__dirname, '..', 'dist', 'cli.cjs');
const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env };
const cli = existsSync(built) ? require(built) : (require('tsx/cjs'), require('../src/cli/index.ts'));
cli.runCli(process.argv.slice(2), io).then(
  (code) => { process.exitCode = code; },
  () => { process.stderr.write('error: unexpected failure\n'); process.exitCode = 1; },
);
