#!/usr/bin/env node
// The `tessera` command. Installed, it runs the build; in a checkout of Tessera it runs the TypeScript sources through
// tsx, with the repository's tsconfig (its paths lead @tessera/* to the packages' sources), so the command can never
// be older than the code beside it.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const source = join(__dirname, '..', 'src', 'index.ts');
const repoTsconfig = join(__dirname, '..', '..', '..', 'tsconfig.json');
const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env };
let cli;
if (existsSync(source) && existsSync(repoTsconfig)) {
  process.env.TSX_TSCONFIG_PATH ??= repoTsconfig;
  cli = require('tsx/cjs/api').require(source, __filename);
} else {
  cli = require('../dist/index.cjs');
}
cli.runCli(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.stderr.write('error: unexpected failure\n');
    process.exitCode = 1;
  },
);
