/** Commands about the app's own files: validate, generate types, make a secret. */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { generateIparamTypes, loadProject, validateProject } from '@tessera/schema';
import type { CommandSpec } from './run.js';

export const TYPES_FILE = 'functions/iparams.generated.ts';

export const projectCommands: Record<string, CommandSpec> = {
  validate: {
    summary: 'check manifest.json, iparams.json and serverless.yml',
    usage: 'validate [--dir DIR]',
    options: { dir: { type: 'string' } },
    async run({ values, io }) {
      const dir = resolve(io.cwd, String(values.dir ?? '.'));
      const issues = await validateProject(dir);
      for (const i of issues) io.stderr.write(`${i.file} ${i.field}: ${i.rule}\n`);
      if (issues.length > 0) {
        io.stderr.write(`${issues.length} problem${issues.length === 1 ? '' : 's'} found\n`);
        return 1;
      }
      io.stdout.write('manifest.json, iparams.json and serverless.yml are valid\n');
      return 0;
    },
  },
  types: {
    summary: `generate TypeScript types for the iparams (${TYPES_FILE})`,
    usage: 'types [--out FILE] [--check]',
    options: { out: { type: 'string' }, check: { type: 'boolean' } },
    async run({ values, io }) {
      const { iparams } = await loadProject(io.cwd);
      const file = resolve(io.cwd, String(values.out ?? TYPES_FILE));
      const source = generateIparamTypes(iparams);
      if (values.check) {
        const current = await readFile(file, 'utf8').catch(() => '');
        if (current !== source) {
          io.stderr.write(`${TYPES_FILE} is out of date: run \`tessera types\`\n`);
          return 1;
        }
        return 0;
      }
      await writeFile(file, source);
      io.stdout.write(`wrote ${values.out ?? TYPES_FILE}\n`);
      return 0;
    },
  },
  secret: {
    summary: 'print a new random shared secret (32 bytes, base64url) for a secure iparam',
    usage: 'secret',
    async run({ io }) {
      io.stdout.write(`${randomBytes(32).toString('base64url')}\n`);
      return 0;
    },
  },
};
