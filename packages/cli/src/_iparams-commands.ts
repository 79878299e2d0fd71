/** Commands on one installation's values: install, show, set, rotate, uninstall. Values never come from arguments. */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { SSMClient } from '@aws-sdk/client-ssm';
import { CliError } from '@tessera/protocol/errors';
import { createInstaller, ROTATION_GRACE_SEC, SsmIparamStore, type Installer } from '@tessera/runtime/iparams';
import { loadProject } from '@tessera/schema';
import type { IparamField, IparamsSchema, IparamValue } from '@tessera/schema';
import { ask, readAll, type PromptIo } from './_prompt.js';
import { kmsOf, loggerOf } from './_settings.js';
import type { CliIo, CommandSpec } from './run.js';

/** Who the audit events name: `--actor`, then `TESSERA_ACTOR`, then the OS user, then `cli`. */
function actorOf(io: CliIo, flag: string | boolean | undefined): string {
  if (typeof flag === 'string' && flag !== '') return flag;
  if (io.env.TESSERA_ACTOR) return io.env.TESSERA_ACTOR;
  try {
    return userInfo().username;
  } catch {
    // A container user without a passwd entry makes userInfo throw.
    return io.env.USER ?? 'cli';
  }
}

async function installerFor(
  io: CliIo,
  options: { tier?: string | boolean; actor?: string | boolean } = {},
): Promise<{ installer: Installer; schema: IparamsSchema }> {
  const { manifest, iparams } = await loadProject(io.cwd);
  const store = new SsmIparamStore({
    client: new SSMClient({}),
    ...(options.tier === 'Advanced' ? { tier: 'Advanced' as const } : {}),
    ...kmsOf(io),
  });
  const logger = loggerOf(io, 'cli');
  const actor = actorOf(io, options.actor);
  return { installer: createInstaller({ manifest, schema: iparams, store, logger, actor }), schema: iparams };
}

const ACTOR_OPTION = { actor: { type: 'string' } } as const;
const GRACE_SEC_PATTERN = /^[0-9]{1,9}$/;

/** `--grace-sec` as a number, or a usage error naming the option and its bounds. */
function graceSecOf(flag: string | boolean | undefined): number | undefined {
  if (flag === undefined) return undefined;
  const n = typeof flag === 'string' && GRACE_SEC_PATTERN.test(flag) ? Number(flag) : Number.NaN;
  if (!(n >= ROTATION_GRACE_SEC.min && n <= ROTATION_GRACE_SEC.max)) {
    throw new CliError('ERR_CLI_USAGE', {
      message: `--grace-sec must be a whole number of seconds from ${ROTATION_GRACE_SEC.min} (1 h) to ${ROTATION_GRACE_SEC.max} (30 days)`,
    });
  }
  return n;
}

/** A secure value typed at a masked prompt, or piped on standard input: never an argument. */
async function readSecureValue(io: CliIo, name: string, field: IparamField): Promise<string | undefined> {
  const text = io.stdin.isTTY
    ? await ask({ input: io.stdin, output: io.stdout }, `New ${field.display_name} (${name}) (hidden): `, true)
    : (await readAll(io.stdin)).replace(/\r?\n$/, '');
  return text === '' ? undefined : text;
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
      return text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    default:
      return text;
  }
}

async function promptField(io: PromptIo, field: IparamField): Promise<IparamValue | undefined> {
  const hint = field.options ? ` [${field.options.join('/')}]` : '';
  const def = field.default_value !== undefined && !field.secure ? ` (default ${String(field.default_value)})` : '';
  const label = `${field.display_name}${field.required ? '' : ' (optional)'}${hint}${def}${field.secure ? ' (hidden)' : ''}: `;
  return fromText(field, await ask(io, label, field.secure === true));
}

async function promptAll(io: CliIo, schema: IparamsSchema): Promise<Record<string, IparamValue>> {
  const values: Record<string, IparamValue> = {};
  const pio = { input: io.stdin, output: io.stdout };
  for (const [name, field] of Object.entries(schema)) {
    const v = await promptField(pio, field);
    if (v !== undefined) values[name] = v;
  }
  return values;
}

// A table of commands like the keys table: alike in shape, each declaring its own command.
export const iparamsCommands: Record<string, CommandSpec> = {
  install: {
    summary: "validate and store an installation's parameters (prompts when no --values file)",
    usage: 'install <installationId> [--values FILE] [--replace] [--tier Advanced] [--actor NAME]',
    options: { values: { type: 'string' }, replace: { type: 'boolean' }, tier: { type: 'string' }, ...ACTOR_OPTION },
    async run({ positionals, values, io }) {
      const [id] = oneId(positionals, 'install <installationId> [--values FILE] [--replace]');
      const { installer, schema } = await installerFor(io, values);
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
        io.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
        return 0;
      }
      io.stdout.write(`installation ${d.installationId} (installed ${d.installedAt}, updated ${d.updatedAt})\n`);
      for (const f of d.fields) {
        const shown = !f.set ? '(not set)' : f.secure ? 'set' : JSON.stringify(f.value);
        const meta = f.version ? `  v${f.version} ${f.updatedAt}` : '';
        io.stdout.write(`  ${f.name.padEnd(20)} ${shown}${meta}\n`);
        if (f.previousUntil) io.stdout.write(`  ${''.padEnd(20)} previous: set (until ${f.previousUntil})\n`);
      }
      return 0;
    },
  },
  'iparams set': {
    summary: 'replace one value at once (a secret with overlap: iparams rotate); reads it from a prompt or stdin',
    usage: 'iparams set <installationId> <name> [--actor NAME]   (value typed at the prompt, or piped on stdin)',
    options: { ...ACTOR_OPTION },
    async run({ positionals, values, io }) {
      const [id, name] = oneId(positionals, 'iparams set <installationId> <name>', 2) as [string, string];
      const { installer, schema } = await installerFor(io, values);
      const field = schema[name];
      if (!field) throw new CliError('ERR_CLI_USAGE', { message: `"${name}" is not a parameter in iparams.json` });
      const value = io.stdin.isTTY
        ? await promptField({ input: io.stdin, output: io.stdout }, field)
        : fromText(field, (await readAll(io.stdin)).replace(/\r?\n$/, ''));
      const out = await installer.set(id, name, value);
      io.stdout.write(`updated ${name} of ${id} (version ${out.version})\n`);
      return 0;
    },
  },
  'iparams rotate': {
    summary: 'replace a secure value and keep the old one valid for a grace window (prompt, stdin or --generate)',
    usage:
      'iparams rotate <installationId> <name> [--grace-sec N] [--generate [--print-secret]] [--actor NAME]\n' +
      `  --grace-sec N    seconds the previous value stays valid, ${ROTATION_GRACE_SEC.min} to ${ROTATION_GRACE_SEC.max} (default ${ROTATION_GRACE_SEC.default})\n` +
      '  --generate       make a random 32-byte secret (base64url) and print it once on standard output\n' +
      '  --print-secret   allow that when standard output is not a terminal (a pipe into a secret manager)',
    options: { 'grace-sec': { type: 'string' }, generate: { type: 'boolean' }, 'print-secret': { type: 'boolean' }, ...ACTOR_OPTION },
    async run({ positionals, values, io }) {
      const [id, name] = oneId(positionals, 'iparams rotate <installationId> <name> [--grace-sec N] [--generate]', 2) as [string, string];
      const graceSec = graceSecOf(values['grace-sec']);
      const generate = values.generate === true;
      if (values['print-secret'] === true && !generate) {
        throw new CliError('ERR_CLI_USAGE', { message: '--print-secret only goes with --generate' });
      }
      // A generated secret is shown once; refuse before writing anything when it would land in a file or a log unasked.
      if (generate && !(io.stdout as { isTTY?: boolean }).isTTY && values['print-secret'] !== true) {
        throw new CliError('ERR_CLI_USAGE', {
          message: '--generate prints the new secret on standard output, which is not a terminal: add --print-secret to allow it',
        });
      }
      const { installer, schema } = await installerFor(io, values);
      const field = Object.hasOwn(schema, name) ? schema[name] : undefined;
      // Only a rotatable field is asked for a value; for any other the installer's refusal names the field and rule.
      let value: string | undefined;
      if (field?.secure === true) value = generate ? randomBytes(32).toString('base64url') : await readSecureValue(io, name, field);
      const out = await installer.rotate(id, name, value, graceSec === undefined ? {} : { graceSec });
      const status = `rotated ${name} of ${id} (version ${out.version}); the previous value stays valid until ${out.previousUntil}\n`;
      if (generate) {
        io.stderr.write(status);
        io.stderr.write(`new ${name} follows, shown once: configure it in the customer's verifier beside the previous one\n`);
        io.stdout.write(`${value}\n`);
      } else {
        io.stdout.write(status);
      }
      return 0;
    },
  },
  uninstall: {
    summary: 'remove everything stored for an installation',
    usage: 'uninstall <installationId> [--actor NAME]',
    options: { ...ACTOR_OPTION },
    async run({ positionals, values, io }) {
      const [id] = oneId(positionals, 'uninstall <installationId>');
      const { installer } = await installerFor(io, values);
      const removed = await installer.uninstall(id as string);
      io.stdout.write(removed ? `uninstalled ${id}\n` : `nothing stored for ${id}\n`);
      return 0;
    },
  },
};
