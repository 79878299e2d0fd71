/**
 * `tessera doctor`: checks a project before a deploy, one line per finding with how to fix it. Reads the project's
 * files (and the environment the deploy would see); only with `--check-store` does it read the stage's SSM, and then
 * only the signing key document's public list.
 */
import { readFile } from 'node:fs/promises';
import { SSMClient } from '@aws-sdk/client-ssm';
import { join } from 'node:path';
import { CliError, KeysError } from '@tessera/protocol/errors';
import { readEnvironment } from '@tessera/protocol';
import { createKeyManager, SsmKeyStore } from '@tessera/runtime/keys';
import { loadProject, validateProject, type Manifest } from '@tessera/schema';
import { parse } from 'yaml';
import type { CliIo, CommandSpec } from './run.js';
import { estimateSsmReadsPerSec, SSM_STANDARD_READS_PER_SEC } from './ssm-load-model.js';

const DEFAULT_TTL_MS = 60_000;

export interface Finding {
  level: 'error' | 'warn' | 'ok';
  check: string;
  message: string;
  /** How to fix it; absent on `ok`. */
  fix?: string;
}

type Yaml = Record<string, unknown> | undefined;
const at = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), value);

/** `${env:NAME, 'default'}` as the deploy would see it: the variable from `env`, else the default. */
function resolved(value: unknown, env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (typeof value !== 'string') return value === undefined ? undefined : String(value);
  const m = /^\$\{env:([A-Za-z0-9_]+)(?:,\s*'([^']*)')?\}$/.exec(value.trim());
  if (!m) return value;
  return env[m[1] as string] ?? m[2];
}

function iamFindings(serverless: Yaml, appId: string): Finding[] {
  const statements = at(serverless, 'provider', 'iam', 'role', 'statements');
  const ssm = (Array.isArray(statements) ? statements : []).filter((s) => JSON.stringify(at(s, 'Action') ?? '').includes('ssm:'));
  if (ssm.length === 0) {
    return [
      {
        level: 'error',
        check: 'iam',
        message: 'no statement grants SSM reads',
        fix: `allow ssm:GetParameter and ssm:GetParameters on parameter/tessera/${appId}/*`,
      },
    ];
  }
  const scoped = `parameter/tessera/${appId}/*`;
  // `${self:custom.x}` as serverless resolves it, and the manifest's id read through `${file(./manifest.json):app.id}`.
  const expand = (text: string): string =>
    text
      .replace(/\$\{self:custom\.([A-Za-z0-9_]+)\}/g, (_m, key: string) => String(at(serverless, 'custom', key) ?? ''))
      .replace(/\$\{file\(\.\/manifest\.json\):app\.id\}/g, appId);
  const loose = looseSsmStatements(ssm, scoped, /ssm:\*|Put|Delete|ByPath/, expand);
  const findings: Finding[] =
    loose.length > 0
      ? [
          {
            level: 'error',
            check: 'iam',
            message: "an SSM statement reaches beyond the app's path or grants writes",
            fix: `limit it to ssm:GetParameter, ssm:GetParameters on ${scoped}`,
          },
        ]
      : [{ level: 'ok', check: 'iam', message: `SSM reads only below /tessera/${appId}/` }];
  return [...findings, ...roleFindings(serverless, appId, expand)];
}

/**
 * The SSM statements that grant an action `forbidden` matches, or name any parameter but `allowed` (a `*` resource
 * names none, and so is loose too): each resource is compared whole, so an extra broad one beside the right one shows.
 */
function looseSsmStatements(statements: unknown[], allowed: string, forbidden: RegExp, expand: (text: string) => string): unknown[] {
  return statements.filter((st) => {
    const targets = [...expand(JSON.stringify(at(st, 'Resource') ?? '')).matchAll(/parameter\/[^"]*/g)].map((m) => m[0]);
    return targets.length === 0 || targets.some((t) => t !== allowed) || forbidden.test(JSON.stringify(at(st, 'Action')));
  });
}

/**
 * A function's own role (the install page's writes): SSM only on installations' values, never the keys, never a
 * delete or a read of a whole path.
 */
function roleFindings(serverless: Yaml, appId: string, expand: (text: string) => string): Finding[] {
  const resources = at(serverless, 'resources', 'Resources');
  const installations = `parameter/tessera/${appId}/installations/*`;
  const out: Finding[] = [];
  for (const [name, resource] of Object.entries((resources ?? {}) as Record<string, unknown>)) {
    if (at(resource, 'Type') !== 'AWS::IAM::Role') continue;
    const policies = at(resource, 'Properties', 'Policies');
    const statements = (Array.isArray(policies) ? policies : []).flatMap((p) => {
      const list = at(p, 'PolicyDocument', 'Statement');
      return Array.isArray(list) ? list : [];
    });
    const ssm = statements.filter((st) => JSON.stringify(at(st, 'Action') ?? '').includes('ssm:'));
    if (ssm.length === 0) continue;
    const loose = looseSsmStatements(ssm, installations, /ssm:\*|Delete|ByPath/, expand);
    out.push(
      loose.length > 0
        ? {
            level: 'error',
            check: 'iam',
            message: `role ${name} reaches SSM beyond the installations' values, or deletes`,
            fix: `limit it to ssm:GetParameter, ssm:GetParameters, ssm:PutParameter on ${installations}`,
          }
        : { level: 'ok', check: 'iam', message: `role ${name} writes only below /tessera/${appId}/installations/` },
    );
  }
  return out;
}

function environmentFindings(manifest: Manifest, serverless: Yaml, env: Readonly<Record<string, string | undefined>>): Finding[] {
  const stageEnv = (name: string) => resolved(at(serverless, 'provider', 'environment', name), env);
  const out: Finding[] = [];
  const offline = stageEnv('TESSERA_OFFLINE');
  out.push(
    offline === 'true'
      ? {
          level: 'error',
          check: 'offline',
          message: 'TESSERA_OFFLINE is true for this stage',
          fix: 'unset TESSERA_OFFLINE (serverless.yml defaults it to false)',
        }
      : { level: 'ok', check: 'offline', message: 'offline mode off' },
  );
  const csrf = Object.entries(manifest.functions).filter(([, f]) => f.csrf === true);
  if (csrf.length > 0) {
    const secret = stageEnv('TESSERA_CSRF_SECRET');
    out.push(
      secret === undefined || Buffer.byteLength(secret) < 32
        ? {
            level: 'error',
            check: 'csrf',
            message: `${csrf.map(([n]) => n).join(', ')} ${csrf.length > 1 ? 'are' : 'is'} csrf: true but TESSERA_CSRF_SECRET is unset or under 32 bytes`,
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a serverless variable, shown to the user
            fix: 'deploy it from a secret store, e.g. ${ssm:/tessera/<app>/csrf-secret}',
          }
        : { level: 'ok', check: 'csrf', message: 'the CSRF key is set' },
    );
  }
  if (manifest.session) {
    const jwksUrl = stageEnv('TESSERA_SESSION_JWKS_URL') || manifest.session.jwksUrl;
    out.push(
      jwksUrl.startsWith('https://')
        ? { level: 'ok', check: 'session', message: 'the session JWKS is fetched over HTTPS' }
        : {
            level: 'error',
            check: 'session',
            message: 'the session JWKS URL is not HTTPS (refused outside offline mode)',
            fix: "set TESSERA_SESSION_JWKS_URL to the platform's https:// JWKS for this stage",
          },
    );
  }
  return out;
}

/** Whether the stage can sign: without `--check-store` only a reminder, with it the key list read from SSM. */
async function keyFindings(manifest: Manifest, checkStore: boolean): Promise<Finding[]> {
  const alg = manifest.customer.auth.alg;
  if (alg !== 'ES256' && alg !== 'EdDSA') return [];
  if (!checkStore) {
    return [
      {
        level: 'warn',
        check: 'keys',
        message: `customer.auth.alg is ${alg}: the stage's SSM needs the app's signing key document (not checked)`,
        fix: 'run `tessera doctor --check-store` against the stage, or `tessera keys list`',
      },
    ];
  }
  const manager = createKeyManager({ appId: manifest.app.id, store: new SsmKeyStore({ client: new SSMClient({}) }), actor: 'doctor' });
  // No document is a finding; an unreachable store stays an error of the command (exit 69, so a script can retry).
  const keys = await manager.list().catch((err: unknown) => {
    if (err instanceof KeysError && err.code === 'ERR_KEYS_NOT_FOUND') return [];
    throw err;
  });
  const current = keys.find((k) => k.state === 'current');
  if (!current) {
    return [
      {
        level: 'error',
        check: 'keys',
        message: `customer.auth.alg is ${alg} but the stage has no signing key`,
        fix: `run \`tessera keys generate --alg ${alg}\` against the stage`,
      },
    ];
  }
  return current.alg === alg
    ? [{ level: 'ok', check: 'keys', message: `the stage signs with ${alg} key ${current.kid}` }]
    : [
        {
          level: 'error',
          check: 'keys',
          message: `customer.auth.alg is ${alg} but the stage's signing key ${current.kid} is ${current.alg}`,
          fix: `run \`tessera keys rotate --alg ${alg}\`, or set customer.auth.alg to ${current.alg}`,
        },
      ];
}

function loadFinding(installations: number, instances: number, ttlMs: number, batchSize: number): Finding {
  const perSec = estimateSsmReadsPerSec(installations, instances, ttlMs, batchSize);
  const share = perSec / SSM_STANDARD_READS_PER_SEC;
  const batched = batchSize > 1 ? `, read ${batchSize} at a time` : '';
  const message = `${installations} installation(s) × ${instances} warm instance(s) / ${ttlMs / 1000} s TTL${batched} ≈ ${perSec.toFixed(1)} SSM reads/s, ${(share * 100).toFixed(0)}% of the standard ${SSM_STANDARD_READS_PER_SEC}/s`;
  const first = batchSize === 1 ? 'set TESSERA_IPARAMS_BATCH_SIZE=10 (up to about 8× fewer reads), ' : '';
  if (share >= 1)
    return { level: 'error', check: 'ssm-load', message, fix: `${first}raise TESSERA_IPARAMS_TTL_MS, or turn on SSM higher throughput (3,000/s)` };
  if (share >= 0.5)
    return {
      level: 'warn',
      check: 'ssm-load',
      message,
      fix: `cold starts and other callers share the same 40/s: leave headroom (${first}a longer TTL)`,
    };
  return { level: 'ok', check: 'ssm-load', message };
}

/** Every finding for the project in `dir`, for the given load. */
export async function diagnose(
  dir: string,
  env: Readonly<Record<string, string | undefined>>,
  load: { installations: number; instancesPerInstallation: number },
  checkStore = false,
): Promise<Finding[]> {
  const issues = await validateProject(dir);
  if (issues.length > 0) {
    return issues.map((i) => ({
      level: 'error' as const,
      check: 'project',
      message: `${i.file} ${i.field}: ${i.rule}`,
      fix: 'correct the file (`tessera validate` lists the same)',
    }));
  }
  const { manifest } = await loadProject(dir);
  const serverless = parse(await readFile(join(dir, 'serverless.yml'), 'utf8')) as Yaml;
  // The settings the stage's functions will read, parsed by the runtime's own reader: a value it would refuse at
  // cold start is an error here.
  const stage = { ...env };
  for (const name of ['TESSERA_IPARAMS_TTL_MS', 'TESSERA_IPARAMS_BATCH_SIZE']) {
    const value = resolved(at(serverless, 'provider', 'environment', name), env);
    if (value !== undefined) stage[name] = value;
  }
  let settings: Partial<ReturnType<typeof readEnvironment>> = {};
  const unreadable: Finding[] = [];
  try {
    settings = readEnvironment(stage);
  } catch (err) {
    // The message names the variable and its rule, never the value.
    unreadable.push({
      level: 'error',
      check: 'environment',
      message: (err as Error).message,
      fix: 'correct it in serverless.yml or the environment',
    });
  }
  const ttlMs = settings.iparamsTtlMs || DEFAULT_TTL_MS;
  const batchSize = settings.iparamsBatchSize ?? 1;
  return [
    { level: 'ok', check: 'project', message: 'manifest.json, iparams.json and serverless.yml are valid' },
    ...iamFindings(serverless, manifest.app.id),
    ...environmentFindings(manifest, serverless, env),
    ...(await keyFindings(manifest, checkStore)),
    ...unreadable,
    loadFinding(load.installations, load.instancesPerInstallation, ttlMs, batchSize),
  ];
}

function count(value: string | boolean | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value) || n < 1)
    throw new CliError('ERR_CLI_USAGE', { message: `--${name} must be a positive integer` });
  return n;
}

export const doctorCommands: Record<string, CommandSpec> = {
  doctor: {
    summary: 'check the project before a deploy: files, IAM, CSRF key, session JWKS, offline mode, keys, SSM load',
    usage: 'doctor [--installations N] [--instances-per-installation N] [--check-store]',
    options: { installations: { type: 'string' }, 'instances-per-installation': { type: 'string' }, 'check-store': { type: 'boolean' } },
    async run({ positionals, values, io }: { positionals: string[]; values: Record<string, string | boolean | undefined>; io: CliIo }) {
      if (positionals.length > 0)
        throw new CliError('ERR_CLI_USAGE', {
          message: 'Usage: tessera doctor [--installations N] [--instances-per-installation N] [--check-store]',
        });
      const load = {
        installations: count(values.installations, 'installations', 100),
        instancesPerInstallation: count(values['instances-per-installation'], 'instances-per-installation', 1),
      };
      const findings = await diagnose(io.cwd, io.env, load, values['check-store'] === true);
      for (const f of findings) io.stdout.write(`${f.level.padEnd(5)} ${f.check}: ${f.message}${f.fix ? ` — fix: ${f.fix}` : ''}\n`);
      return findings.some((f) => f.level === 'error') ? 1 : 0;
    },
  },
};
