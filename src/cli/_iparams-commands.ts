/** Commands on one installation's values: install, show, set, uninstall. Values never come from arguments. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SSMClient } from '@aws-sdk/client-ssm';
import { CliError } from '../errors.js';
import { createInstaller, SsmIparamStore, type Installer } from '../iparams/index.js';
import { createJsonLogger } from '../log.js';
import { loadProject } from '../schema/index.js';
import type { IparamField, IparamsSchema, IparamValue } from '../schema/index.js';
import { ask, readAll, type PromptIo } from './_prompt.js';
import type { CliIo, CommandSpec } from './run.js';

async function installerFor(io: CliIo, tier?: string): Promise<{ installer: Installer; schema: IparamsSchema }> {
  const { manifest, iparams } = await loadProject(io.cwd);
  const store = new SsmIparamStore({
    client: new SSMClient({}),
    ...(tier === 'Advanced' ? { tier: 'Advanced' as const } : {}),
  });
  const logger = createJsonLogger({ write: (line) => io.stderr.write(line + '\n'), base: { component: 'cli' } });
  return { installer: createInstaller({ manifest, schema: iparams, store, logger, actor: io.env.USER ?? 'cli' }), schema: iparams };
}

function oneId(positionals: string[], usage: string, count = 1): string[] {
  if (positionals.length !== count) throw new CliError('ERR_CLI_USAGE', { message: `Usage: tessera ${usage}` });
  return positionals;
}

/** Turns typed text into the field's value type; validation proper happens in the installer. */
function fromText(field: IparamField, text: string): IparamValue | undefined {
  if (text === '') return undefined;
  switch (field.type) {
    case 'number':
      return Number(text);
    case 'checkbox':
      return /^(y|yes|true|1)$/i.test(text);
    case 'multiselect':
      return text.split(',').map((s) => s.trim()).filter(Boolean);
    default:
      return text;
  }
}

async function promptField(io: PromptIo, name: string, field: IparamField): Promise<IparamValue | undefined> {
  const hint = field.options ? ` [${field.options.join('/')}]` : '';
  const def = field.default_value !== undefined && !field.secure ? ` (default ${String(field.default_value)})` : '';
  const label = `${field.display_name}${field.required ? '' : ' (optional)'}${hint}${def}${field.secure ? ' (hidden)' : ''}: `;
  return fromText(field, await ask(io, label, field.secure === true));
}

async function promptAll(io: CliIo, schema: IparamsSchema): Promise<Record<string, IparamValue>> {
  const values: Record<string, IparamValue> = {};
  const pio = { input: io.stdin, output: io.stdout };
  for (const [name, field] of Object.entries(schema)) {
    const v = await promptField(pio, name, field);
    if (v !== undefined) values[name] = v;
  }
  return values;
}

export const iparamsCommands: Record<string, CommandSpec> = {
  install: {
    summary: 'validate and store an installation\'s parameters (prompts when no --values file)',
    usage: 'install <installationId> [--values FILE] [--replace] [--tier Advanced]',
    options: { values: { type: 'string' }, replace: { type: 'boolean' }, tier: { type: 'string' } },
    async run({ positionals, values, io }) {
      const [id] = oneId(positionals, 'install <installationId> [--values FILE] [--replace]');
      const { installer, schema } = await installerFor(io, values.tier as string | undefined);
      let input: unknown;
      if (typeof values.values === 'string') {
        try {
          input = JSON.parse(await readFile(resolve(io.cwd, values.values), 'utf8'));
        } catch {
          throw new CliError('ERR_CLI_USAGE', { message: `--values must name a readable JSON file` });
        }
      } else if (io.stdin.isTTY) {
        input = await promptAll(io, schema);
      } else {
        throw new CliError('ERR_CLI_USAGE', { message: 'no terminal to prompt on: pass --values FILE' });
      }
      const out = await installer.install(id as string, input, { replace: values.replace === true });
      io.stdout.write(`installed ${id} (version ${out.version})\n`);
      return 0;
    },
  },
  'iparams show': {
    summary: 'show an installation\'s parameters; secure ones only as "set"',
    usage: 'iparams show <installationId> [--json]',
    options: { json: { type: 'boolean' } },
    async run({ positionals, values, io }) {
      const [id] = oneId(positionals, 'iparams show <installationId>');
      const { installer } = await installerFor(io);
      const d = await installer.describe(id as string);
      if (values.json) {
        io.stdout.write(JSON.stringify(d, null, 2) + '\n');
        return 0;
      }
      io.stdout.write(`installation ${d.installationId} (installed ${d.installedAt}, updated ${d.updatedAt})\n`);
      for (const f of d.fields) {
        const shown = !f.set ? '(not set)' : f.secure ? 'set' : JSON.stringify(f.value);
        const meta = f.version ? `  v${f.version} ${f.updatedAt}` : '';
        io.stdout.write(`  ${f.name.padEnd(20)} ${shown}${meta}\n`);
      }
      return 0;
    },
  },
  'iparams set': {
    summary: 'replace one value (e.g. rotate a secret); reads it from a prompt or standard input',
    usage: 'iparams set <installationId> <name>   (value typed at the prompt, or piped on stdin)',
    async run({ positionals, io }) {
      const [id, name] = oneId(positionals, 'iparams set <installationId> <name>', 2) as [string, string];
      const { installer, schema } = await installerFor(io);
      const field = schema[name];
      if (!field) throw new CliError('ERR_CLI_USAGE', { message: `"${name}" is not a parameter in iparams.json` });
      const value = io.stdin.isTTY
        ? await promptField({ input: io.stdin, output: io.stdout }, name, field)
        : fromText(field, (await readAll(io.stdin)).replace(/\r?\n$/, ''));
      const out = await installer.set(id, name, value);
      io.stdout.write(`updated ${name} of ${id} (version ${out.version})\n`);
      return 0;
    },
  },
  uninstall: {
    summary: 'remove everything stored for an installation',
    usage: 'uninstall <installationId>',
    async run({ positionals, io }) {
      const [id] = oneId(positionals, 'uninstall <installationId>');
      const { installer } = await installerFor(io);
      const removed = await installer.uninstall(id as string);
      io.stdout.write(removed ? `uninstalled ${id}\n` : `nothing stored for ${id}\n`);
      return 0;
    },
  },
};
