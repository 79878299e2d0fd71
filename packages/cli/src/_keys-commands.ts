/** Commands on the app's signing keys: generate, rotate, retire, list. They print kids and dates, never key material. */
import { SSMClient } from '@aws-sdk/client-ssm';
import { CliError } from '@tessera/protocol/errors';
import {
  createKeyManager,
  DEFAULT_ROTATION_DELAY_SEC,
  MIN_ROTATION_DELAY_SEC,
  ROTATION_DELAY_RULE,
  SsmKeyStore,
  type KeyInfo,
  type KeyManager,
  type SigningAlg,
} from '@tessera/runtime/keys';
import { loadProject } from '@tessera/schema';
import { kmsOf, loggerOf } from './_settings.js';
import type { CliIo, CommandSpec } from './run.js';

const ALGS: readonly SigningAlg[] = ['ES256', 'EdDSA'];

async function managerFor(io: CliIo): Promise<KeyManager> {
  const { manifest } = await loadProject(io.cwd);
  const logger = loggerOf(io, 'cli');
  return createKeyManager({
    appId: manifest.app.id,
    store: new SsmKeyStore({ client: new SSMClient({}), ...kmsOf(io) }),
    logger,
    actor: io.env.USER ?? 'cli',
  });
}

function noPositionals(positionals: string[], usage: string): void {
  if (positionals.length > 0) throw new CliError('ERR_CLI_USAGE', { message: `Usage: tessera ${usage}` });
}

function algOption(value: unknown): SigningAlg | undefined {
  if (value === undefined) return undefined;
  if (!ALGS.includes(value as SigningAlg)) throw new CliError('ERR_CLI_USAGE', { message: `--alg must be one of ${ALGS.join(', ')}` });
  return value as SigningAlg;
}

function delayOption(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d{1,9}$/.test(String(value)) ? Number(value) : NaN;
  if (!(n >= MIN_ROTATION_DELAY_SEC)) throw new CliError('ERR_CLI_USAGE', { message: `--delay-sec ${ROTATION_DELAY_RULE}` });
  return n;
}

function line(k: KeyInfo): string {
  const extra = k.retirableAt ? `  retirable from ${k.retirableAt}` : '';
  return `  ${k.kid}  ${k.alg.padEnd(5)}  ${k.state.padEnd(8)}  created ${k.createdAt}  signs from ${k.activatesAt}${extra}\n`;
}

// A table of commands, citty's way: entries look alike (summary, usage, options, run) because each declares its own
// command; what they share (the manager, the option parsers) is in the functions above.
export const keysCommands: Record<string, CommandSpec> = {
  'keys generate': {
    summary: "create the app's first signing key pair in SSM (private half never printed)",
    usage: 'keys generate [--alg ES256|EdDSA]',
    options: { alg: { type: 'string' } },
    async run({ positionals, values, io }) {
      noPositionals(positionals, 'keys generate [--alg ES256|EdDSA]');
      const alg = algOption(values.alg);
      const key = await (await managerFor(io)).generate(alg ? { alg } : {});
      io.stdout.write(`generated ${key.alg} key ${key.kid}; it signs from now (publish the JWKS function before the first call)\n`);
      return 0;
    },
  },
  'keys rotate': {
    summary: 'publish the next signing key now; signing switches to it after --delay-sec',
    usage: `keys rotate [--alg ES256|EdDSA] [--delay-sec N]   (default ${DEFAULT_ROTATION_DELAY_SEC}, at least ${MIN_ROTATION_DELAY_SEC})`,
    options: { alg: { type: 'string' }, 'delay-sec': { type: 'string' } },
    async run({ positionals, values, io }) {
      noPositionals(positionals, 'keys rotate [--alg ES256|EdDSA] [--delay-sec N]');
      const alg = algOption(values.alg);
      const delaySec = delayOption(values['delay-sec']);
      const key = await (await managerFor(io)).rotate({ ...(alg ? { alg } : {}), ...(delaySec === undefined ? {} : { delaySec }) });
      io.stdout.write(`published ${key.alg} key ${key.kid}; signing switches to it at ${key.activatesAt}\n`);
      return 0;
    },
  },
  'keys retire': {
    summary: 'remove keys that no longer sign and are past their overlap (never the signing key)',
    // `=` form: a base64url kid may start with "-", which parseArgs would take for an option.
    usage: 'keys retire [--kid=KID]',
    options: { kid: { type: 'string' } },
    async run({ positionals, values, io }) {
      noPositionals(positionals, 'keys retire [--kid=KID]');
      const manager = await managerFor(io);
      const retired = await manager.retire(typeof values.kid === 'string' ? { kid: values.kid } : {});
      for (const k of retired) io.stdout.write(`retired ${k.kid} (${k.state})\n`);
      if (retired.length === 0) {
        io.stdout.write('no key can be retired now\n');
        for (const k of (await manager.list()).filter((k) => k.retirableAt)) io.stdout.write(`  ${k.kid} retirable from ${k.retirableAt}\n`);
      }
      return 0;
    },
  },
  'keys list': {
    summary: "list the app's signing keys: kid, algorithm, state and dates",
    usage: 'keys list [--json]',
    options: { json: { type: 'boolean' } },
    async run({ positionals, values, io }) {
      noPositionals(positionals, 'keys list [--json]');
      const keys = await (await managerFor(io)).list();
      if (values.json) {
        io.stdout.write(`${JSON.stringify(keys, null, 2)}\n`);
        return 0;
      }
      for (const k of keys) io.stdout.write(line(k));
      return 0;
    },
  },
};
