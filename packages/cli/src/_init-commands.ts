/**
 * `tessera init <dir>`: writes a new app from the templates shipped in this package (nothing is downloaded). It
 * refuses a folder that is not empty unless `--force`, takes every default with `--yes`, and with no terminal never
 * waits on a prompt: a missing answer is a usage error naming its flag.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError } from '@tessera/protocol/errors';
import { ID_RULE, isId } from '@tessera/protocol';
import { ask } from './_prompt.js';
import type { CliIo, CommandSpec } from './run.js';

const USAGE = 'init <dir> [--app-id ID] [--name NAME] [--yes] [--force]';
/** The package's own folder: templates/ ships beside dist/ and src/. The CommonJS build and the sources have
 *  `__dirname`; the ESM build has `import.meta.url`. */
function packageRoot(): string {
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
  return resolve(here, '..');
}
/** Template file names that differ from the file written (npm would drop a `.gitignore` from the tarball). */
const RENAMED: Record<string, string> = { gitignore: '.gitignore' };

function usage(message: string): never {
  throw new CliError('ERR_CLI_USAGE', { message: `${message}\nUsage: tessera ${USAGE}` });
}

/** The version the new app depends on: this CLI's own. */
function tesseraVersion(): string {
  const manifest = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

/** An app id from a folder name: lower case, the id alphabet only. */
function idFrom(dir: string): string {
  return basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 64);
}

async function templateFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = join(prefix, entry.name);
    if (entry.isDirectory()) out.push(...(await templateFiles(dir, rel)));
    else if (entry.name.endsWith('.tmpl')) out.push(rel);
  }
  return out.sort();
}

/** One answer: the flag, else the default with `--yes`, else a prompt on a terminal, else a usage error. */
async function answer(io: CliIo, flag: string | boolean | undefined, name: string, fallback: string, yes: boolean): Promise<string> {
  if (typeof flag === 'string' && flag !== '') return flag;
  if (yes) return fallback;
  if (!io.stdin.isTTY) usage(`no terminal to ask for ${name}: pass --${name} or --yes to take "${fallback}"`);
  const given = (await ask({ input: io.stdin, output: io.stdout }, `${name} [${fallback}]: `)).trim();
  return given === '' ? fallback : given;
}

export const initCommands: Record<string, CommandSpec> = {
  init: {
    summary: 'write a new Tessera app (manifest, iparams, serverless.yml, a function, a test) into a folder',
    usage: USAGE,
    options: { 'app-id': { type: 'string' }, name: { type: 'string' }, yes: { type: 'boolean', short: 'y' }, force: { type: 'boolean' } },
    async run({ positionals, values, io }) {
      if (positionals.length !== 1) usage('init takes one folder');
      const target = resolve(io.cwd, positionals[0] as string);
      const yes = values.yes === true;
      if (existsSync(target) && readdirSync(target).length > 0 && values.force !== true) {
        usage(`${relative(io.cwd, target) || '.'} is not empty: choose an empty folder, or --force to write over its files`);
      }
      const appId = await answer(io, values['app-id'], 'app-id', idFrom(target) || 'my-app', yes);
      if (!isId(appId)) usage(`--app-id ${ID_RULE}`);
      const appName = await answer(io, values.name, 'name', appId, yes);
      if (/["\\\r\n]/.test(appName) || appName.length > 100) usage('--name must be one line of at most 100 characters without " or \\');
      const substitutions: [string, string][] = [
        ['__APP_ID__', appId],
        ['__APP_NAME__', appName],
        ['__TESSERA_VERSION__', tesseraVersion()],
      ];
      // Rendered in full first, then written into a staging folder renamed into place: a failure leaves nothing half-made.
      const templates = join(packageRoot(), 'templates', 'app');
      const files = await templateFiles(templates);
      const rendered = await Promise.all(
        files.map(async (rel) => {
          let text = await readFile(join(templates, rel), 'utf8');
          for (const [from, to] of substitutions) text = text.split(from).join(to);
          const name = rel.slice(0, -'.tmpl'.length);
          return { path: join(dirname(name), RENAMED[basename(name)] ?? basename(name)), text };
        }),
      );
      const staging = `${target}.tessera-init-${process.pid}`;
      try {
        for (const file of rendered) {
          await mkdir(dirname(join(staging, file.path)), { recursive: true });
          await writeFile(join(staging, file.path), file.text, { mode: 0o644 });
        }
        await mkdir(target, { recursive: true });
        for (const file of rendered) {
          await mkdir(dirname(join(target, file.path)), { recursive: true });
          await rename(join(staging, file.path), join(target, file.path));
        }
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
      io.stdout.write(`wrote the app "${appId}" to ${relative(io.cwd, target) || '.'}:\n`);
      for (const file of rendered) io.stdout.write(`  ${file.path}\n`);
      io.stdout.write(`next: cd ${relative(io.cwd, target) || '.'} && npm install && npm test\n`);
      return 0;
    },
  },
};
