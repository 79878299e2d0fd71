/**
 * The leak sweep: the whole offline scenario under `npm start` (an install through the CLI and through the install
 * page, calls with a session, a CSRF pair and HTTP Basic, a rotation, refusals and the demo's attacks, SSM throttled,
 * failing and down), then every byte the processes printed, every HTTP answer and every file under the data
 * directory is searched for every secret, token, CSRF token, password and private key member, raw and encoded.
 * Only the answer that hands a token out may hold that token.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SsmIparamStore } from '../../../packages/runtime/src/iparams/index.js';
import { SsmKeyStore } from '../../../packages/runtime/src/keys/index.js';
import { copyService, type ServiceCopy } from '../../../demo/_service-copy.js';
import { findLeaks, type Leak, type Secret } from '../../helpers/leak-scan.js';
import { freePorts, waitForPort } from '../../helpers/ports.js';

jest.setTimeout(300_000);

const root = resolve(__dirname, '../../..');
const PORT_NAMES = ['ssm', 'http', 'sls', 'lambda', 'ws', 'customer', 'platform'] as const;
const APP = 'order-lookup';
const INSTALLATION = 'demo';

interface Answer {
  where: string;
  text: string;
  /** Secrets this answer hands out by design. */
  issues: Set<string>;
}

const secrets: Secret[] = [];
const answers: Answer[] = [];
const printed: { where: string; text: string }[] = [];
let ports: Record<(typeof PORT_NAMES)[number], number>;
let fn: string;
let platform: string;
let dataDir: string;
let child: ChildProcess;
let output = '';
/** The project the administrator's CLI runs in: its manifest allows this run's customer server, as npm start's does. */
let project: ServiceCopy;

const addSecret = (name: string, value: string | Buffer | undefined): void => {
  if (value === undefined || value.length === 0) throw new Error(`no value for ${name}`);
  secrets.push({ name, value });
};

/** fetch, keeping the whole answer (status, every header, body) for the sweep. */
async function call(
  where: string,
  url: string,
  init: RequestInit = {},
  issues: string[] = [],
): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(url, init);
  const text = await res.text();
  const head = [...res.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n');
  answers.push({ where, text: `${res.status}\n${head}\n\n${text}`, issues: new Set(issues) });
  return { status: res.status, text, headers: res.headers };
}

/** A CLI command against the demo's ssm-local; what it prints joins the sweep. */
function cli(args: string[], input?: string): Promise<{ code: number | null; out: string }> {
  return new Promise((done, reject) => {
    const run = spawn(process.execPath, [join(root, 'packages/cli/bin/tessera.cjs'), ...args], {
      cwd: project.dir,
      env: { ...process.env, AWS_ENDPOINT_URL_SSM: `http://127.0.0.1:${ports.ssm}`, TESSERA_ACTOR: 'leak-sweep' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    run.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    run.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    run.once('error', reject);
    run.once('close', (code) => {
      printed.push({ where: `tessera ${args.join(' ')}`, text: out });
      done({ code, out });
    });
    run.stdin!.end(input ?? '');
  });
}

function attack(kind: string): Promise<number | null> {
  return new Promise((done, reject) => {
    const flags = ['--ssm-port', ports.ssm, '--http-port', ports.http, '--customer-port', ports.customer, '--platform-port', ports.platform].map(
      String,
    );
    const run = spawn(process.execPath, ['--import', 'tsx', 'demo/attack.ts', kind, ...flags], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    run.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    run.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    run.once('error', reject);
    run.once('close', (code) => {
      printed.push({ where: `demo/attack.ts ${kind}`, text: out });
      done(code);
    });
  });
}

const faults = (list: unknown[]) =>
  fetch(`http://127.0.0.1:${ports.ssm}/_tessera/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(list),
  });

const ssmClient = () => new SSMClient({ endpoint: `http://127.0.0.1:${ports.ssm}` });

async function storedSecret(): Promise<string> {
  const stored = await new SsmIparamStore({ client: ssmClient() }).get(APP, INSTALLATION);
  return String(stored?.document.values.shared_secret);
}

async function session(purpose?: 'install'): Promise<string> {
  const init: RequestInit = purpose
    ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ purpose }) }
    : { method: 'POST' };
  const name = `session token (${purpose ?? 'product'} #${secrets.length})`;
  const { text } = await call(`POST /session ${purpose ?? ''}`, `${platform}/session`, init, [name]);
  const { token } = JSON.parse(text) as { token: string };
  addSecret(name, token);
  return token;
}

async function csrfPair(where: string, headers: Record<string, string>): Promise<{ token: string; cookie: string }> {
  const name = `CSRF token #${secrets.length}`;
  const res = await call(where, `${fn}/csrf`, { headers }, [name]);
  const { token } = JSON.parse(res.text) as { token: string };
  addSecret(name, token);
  return { token, cookie: String(res.headers.get('set-cookie')).split(';')[0] as string };
}

/** Every file under `dir`, with its path relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

beforeAll(async () => {
  ports = await freePorts(PORT_NAMES);
  fn = `http://127.0.0.1:${ports.http}`;
  platform = `http://127.0.0.1:${ports.platform}`;
  dataDir = mkdtempSync(join(tmpdir(), 'tessera-leak-'));
  project = copyService(root, { customerHost: `127.0.0.1:${ports.customer}`, platformOrigin: platform });
  const csrfSecret = randomBytes(32).toString('base64url');
  addSecret('CSRF signing key', csrfSecret);
  const flags = PORT_NAMES.flatMap((name) => [`--${name}-port`, String(ports[name])]);
  child = spawn(process.execPath, ['--import', 'tsx', 'demo/start.ts', ...flags], {
    cwd: root,
    env: {
      ...process.env,
      TESSERA_DATA_DIR: dataDir,
      TESSERA_DEMO_AUTH_MODE: 'jwt',
      TESSERA_LOG_LEVEL: 'debug',
      TESSERA_IPARAMS_TTL_MS: '1000',
      TESSERA_CSRF_SECRET: csrfSecret,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`demo/start.ts exited with ${code}:\n${output}`))));
  await Promise.race([Promise.all([waitForPort(ports.http, 180_000), waitForPort(ports.customer, 180_000)]), exited]);
});

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const gone = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid!, 'SIGINT');
    await gone;
  }
  if (ports) await Promise.all(Object.values(ports).map((port) => waitForPort(port, 20_000, false)));
  rmSync(dataDir, { recursive: true, force: true });
  project?.remove();
});

describe('the leak sweep', () => {
  it('finds no secret, token, password or private key member in anything printed, answered or written', async () => {
    // The secrets npm start made, from where they are kept
    addSecret('shared secret as installed', await storedSecret());
    const keys = await new SsmKeyStore({ client: ssmClient() }).get(APP);
    for (const key of keys?.document.keys ?? []) addSecret(`app private key ${key.kid} (d)`, String(key.privateJwk.d));
    addSecret('ssm-local vault key', readFileSync(join(dataDir, 'ssm-local.key')));

    // Calls with a session, a CSRF pair, HTTP Basic
    const product = await session();
    const bearer = { authorization: `Bearer ${product}` };
    for (let i = 0; i < 3; i++) expect((await call('GET /getOrder', `${fn}/getOrder?id=1001`, { headers: bearer })).status).toBe(200);
    const pair = await csrfPair('GET /csrf (session)', bearer);
    const note = { method: 'POST', body: JSON.stringify({ orderId: '1002', text: 'a note' }) };
    const noted = await call('POST /addNote (session)', `${fn}/addNote`, {
      ...note,
      headers: { ...bearer, 'content-type': 'application/json', 'x-csrf-token': pair.token, cookie: pair.cookie },
    });
    expect(noted.status).toBe(201);
    const password = randomBytes(24).toString('base64url');
    addSecret('basic password', password);
    expect((await cli(['iparams', 'set', INSTALLATION, 'basic_password'], `${password}\n`)).code).toBe(0);
    const basic = { authorization: `Basic ${Buffer.from(`${INSTALLATION}:${password}`).toString('base64')}` };
    let basicStatus = 0;
    for (let i = 0; i < 30 && basicStatus !== 201; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const viaBasic = await csrfPair('GET /csrf (basic)', basic).catch(() => undefined);
      if (!viaBasic) continue;
      basicStatus = (
        await call('POST /addNote (basic)', `${fn}/addNote`, {
          ...note,
          headers: { ...basic, 'content-type': 'application/json', 'x-csrf-token': viaBasic.token, cookie: viaBasic.cookie },
        })
      ).status;
    }
    expect(basicStatus).toBe(201);
    const ticketName = 'live-feed ticket';
    const ticket = await call(
      'POST /liveTicket',
      `${fn}/liveTicket`,
      { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: JSON.stringify({ orderId: '1001' }) },
      [ticketName],
    );
    expect(ticket.status).toBe(200);
    // The ticket travels as a subprotocol: the longest one offered.
    const { protocols } = JSON.parse(ticket.text) as { protocols: string[] };
    addSecret(ticketName, [...protocols].sort((a, b) => b.length - a.length)[0]);

    // Refusals
    const forged = `${product.split('.').slice(0, 2).join('.')}.${'A'.repeat(86)}`;
    expect((await call('forged session', `${fn}/getOrder?id=1001`, { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);
    const wrongBasic = { authorization: `Basic ${Buffer.from(`${INSTALLATION}:${password.slice(0, -2)}xx`).toString('base64')}` };
    expect((await call('wrong basic password', `${fn}/addNote`, { method: 'POST', headers: wrongBasic, body: '{}' })).status).toBe(401);
    expect((await call('no CSRF token', `${fn}/addNote`, { ...note, headers: { ...bearer, 'content-type': 'application/json' } })).status).toBe(400);
    expect((await call('foreign origin', `${fn}/getOrder?id=1001`, { headers: { ...bearer, origin: 'https://evil.example.com' } })).status).toBe(403);
    for (const kind of ['forge', 'replay', 'ws-foreign', 'ws-reuse']) expect(await attack(kind)).toBe(0);

    // The install page: read the state, write a new secret with the page's CSRF pair
    const admin = await session('install');
    const adminHeaders = { authorization: `Bearer ${admin}`, 'sec-fetch-site': 'same-origin' };
    const stateName = 'install page CSRF token';
    const state = await call('GET /install/state', `${fn}/install/state`, { headers: adminHeaders }, [stateName]);
    expect(state.status).toBe(200);
    const { csrfToken } = JSON.parse(state.text) as { csrfToken: string };
    addSecret(stateName, csrfToken);
    const pageSecret = randomBytes(32).toString('base64url');
    addSecret('shared secret written by the install page', pageSecret);
    const written = await call('POST /install/state', `${fn}/install/state`, {
      method: 'POST',
      headers: {
        ...adminHeaders,
        'content-type': 'application/json',
        'x-csrf-token': csrfToken,
        cookie: String(state.headers.get('set-cookie')).split(';')[0] as string,
      },
      body: JSON.stringify({ values: { shared_secret: pageSecret } }),
    });
    expect(written.status).toBe(200);
    const refused = await call('POST /install/state (invalid)', `${fn}/install/state`, {
      method: 'POST',
      headers: { ...adminHeaders, 'content-type': 'application/json', 'x-csrf-token': csrfToken },
      body: JSON.stringify({ values: { shared_secret: `${pageSecret}!bad` } }),
    });
    expect(refused.status).toBe(400);

    // A rotation through the CLI, the new secret piped on stdin as a secret manager would
    const rotated = randomBytes(32).toString('base64url');
    addSecret('shared secret after rotation', rotated);
    expect((await cli(['iparams', 'rotate', INSTALLATION, 'shared_secret', '--grace-sec', '3600'], `${rotated}\n`)).code).toBe(0);
    expect(await storedSecret()).toBe(rotated);
    expect((await cli(['iparams', 'show', INSTALLATION])).code).toBe(0);
    expect((await cli(['iparams', 'show', INSTALLATION, '--json'])).code).toBe(0);

    // SSM throttled, failing and down while calls go on (the cache TTL is 1 s, so reads meet each fault)
    for (const fault of [
      { kind: 'throttle', forMs: 2_500 },
      { kind: 'status', status: 500, forMs: 2_500 },
      { kind: 'outage', forMs: 2_500 },
    ]) {
      expect((await faults([fault])).status).toBe(200);
      const until = Date.now() + 2_500;
      while (Date.now() < until) {
        const res = await call(`GET /getOrder during ${fault.kind}`, `${fn}/getOrder?id=1001`, { headers: bearer });
        expect([200, 503]).toContain(res.status);
        await new Promise((r) => setTimeout(r, 150));
      }
    }
    await fetch(`http://127.0.0.1:${ports.ssm}/_tessera/faults`, { method: 'DELETE' });
    let recovered = 0;
    for (let i = 0; i < 40 && recovered !== 200; i++) {
      await new Promise((r) => setTimeout(r, 250));
      recovered = (await call('GET /getOrder after the faults', `${fn}/getOrder?id=1001`, { headers: bearer })).status;
    }
    expect(recovered).toBe(200);

    // Stop npm start, so everything it would print on the way out is printed
    const gone = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid!, 'SIGINT');
    await gone;
    printed.push({ where: 'npm start (stdout and stderr)', text: output });

    // The sweep
    const files = filesUnder(dataDir).filter((f) => !f.endsWith('ssm-local.key'));
    const leaks: Leak[] = [
      ...printed.flatMap((p) => findLeaks(p.text, p.where, secrets)),
      ...answers.flatMap((a) => findLeaks(a.text, a.where, secrets, a.issues)),
      ...files.flatMap((f) => findLeaks(readFileSync(f).toString('latin1'), relative(dataDir, f), secrets)),
    ];
    expect(leaks).toEqual([]);
    // The sweep looked at something: many secrets, a long debug log, every answer, the store's files.
    expect(secrets.map((x) => x.name)).toEqual(
      expect.arrayContaining([
        'CSRF signing key',
        'shared secret as installed',
        'ssm-local vault key',
        'basic password',
        'live-feed ticket',
        'install page CSRF token',
        'shared secret written by the install page',
        'shared secret after rotation',
      ]),
    );
    expect(secrets.filter((x) => /^session token|^CSRF token|^app private key/.test(x.name)).length).toBeGreaterThanOrEqual(4);
    // An answer that hands a token out holds it: the sweep would report it there, were it not expected.
    const issuing = answers.filter((a) => a.issues.size > 0);
    expect(issuing.length).toBeGreaterThanOrEqual(5);
    for (const a of issuing) expect(findLeaks(a.text, a.where, secrets).map((l) => l.secret)).toEqual(expect.arrayContaining([...a.issues]));
    expect(output.length).toBeGreaterThan(10_000);
    expect(output).toContain('iparams.refresh_failed');
    expect(answers.length).toBeGreaterThan(30);
    expect(files.map((f) => relative(dataDir, f))).toContain('ssm-local.json');
  });
});
