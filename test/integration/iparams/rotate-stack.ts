/** A rotation stack for the rotate tests: ssm-local, the installer, the reader, a real verifying customer server, and
 *  the function side wired as the runtime wires it (reader → customer client, refresh on a credential refusal). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInstaller, createIparamsReader, SsmIparamStore, type IparamsReader } from '../../../packages/runtime/src/iparams/index.js';
import { createCustomerClient, type CustomerAuthConfig, type CustomerClient } from '../../../packages/runtime/src/outbound/index.js';
import type { IparamsSchema, Manifest } from '../../../packages/schema/src/index.js';
import { createVerifier, sendVerifyError, verifyNodeRequest, type Verifier, type VerifierOptions } from '../../../packages/verify/src/index.js';
import { captureLogger } from '../../helpers/logs.js';
import { startLocalSsm, type LocalSsm } from '../../helpers/ssm.js';

export const APP_ID = 'order-lookup';
export const SECRET_V1 = 'rot-Secret-v1_0123456789abcdefghijklmnopqrstuv';
export const SECRET_V2 = 'rot-Secret-v2_ZYXWVUTSRQPONMLKJIHGFEDCBA987654';
export const SECRET_V3 = 'rot-Secret-v3_qwertyuiopasdfghjklzxcvbnm012345';
export const TTL_MS = 60_000;
export type Mode = 'jwt' | 'shared-secret';
/** A verifier's secrets entry: a plain string, or a previous secret with the end of its window. */
export type SecretEntry = string | { secret: string; notAfter: string };

const schema: IparamsSchema = {
  server_url: { display_name: 'Server', type: 'url', required: true },
  shared_secret: { display_name: 'Secret', type: 'text', secure: true, required: true, min: 43 },
  notes: { display_name: 'Notes', type: 'paragraph' },
};

/** The customer's server: the real verifier in front of a handler that answers 200. */
async function startCustomer(clock: { wallMs: number }) {
  const log = captureLogger();
  const state = { verifier: undefined as Verifier | undefined, requests: 0, refused: [] as string[] };
  const server: Server = createServer(async (req, res) => {
    state.requests++;
    try {
      await verifyNodeRequest(req, state.verifier as Verifier);
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    } catch (err) {
      state.refused.push(String((err as { code?: string }).code));
      sendVerifyError(res, err);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    port,
    state,
    lines: log.lines,
    /** What the customer configures in their verifier: the current secret first, then the previous one. */
    configure(mode: Mode, secrets: SecretEntry[]) {
      const common = { secrets, publicOrigin: origin, logger: log.logger, now: () => clock.wallMs };
      state.verifier = createVerifier((mode === 'jwt' ? { ...common, mode, issuer: APP_ID } : { ...common, mode }) as VerifierOptions);
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export type Customer = Awaited<ReturnType<typeof startCustomer>>;

export interface RotationStack {
  ssm: LocalSsm;
  customer: Customer;
  /** Wall clock (epoch ms) shared by installer, reader windows, signer and verifier; monotonic clock of the cache. */
  clock: { wallMs: number; monoMs: number };
  installer: ReturnType<typeof createInstaller>;
  reader: IparamsReader;
  /** SSM round trips the function side made. */
  functionReads(): number;
  /** One function invocation: read the iparams (cached), take the installation's client, POST to the customer. */
  call(mode: Mode, n: number): Promise<{ ok: boolean; status?: number }>;
  /** A client stuck on one secret, with no refresh: an instance that never learnt of the rotation. */
  staleClient(mode: Mode, secret: string): CustomerClient;
  auditLines: string[];
  functionLines: string[];
  close(): Promise<void>;
}

export async function startRotationStack(): Promise<RotationStack> {
  const ssm = await startLocalSsm();
  const clock = { wallMs: Date.parse('2026-06-01T09:00:00.000Z'), monoMs: 0 };
  const customer = await startCustomer(clock);
  const manifest: Manifest = {
    app: { id: APP_ID, version: '1.0.0' },
    functions: { getOrder: { methods: ['POST'] } },
    customer: {
      baseUrl: '{{iparams.server_url}}',
      allowedHosts: [`127.0.0.1:${customer.port}`],
      auth: { mode: 'jwt', secretIparam: 'shared_secret' },
    },
  };
  const audit = captureLogger();
  const installer = createInstaller({
    manifest,
    schema,
    store: new SsmIparamStore({ client: ssm.client().client }),
    logger: audit.logger,
    actor: 'rotation-test',
    now: () => new Date(clock.wallMs),
  });
  const counted = ssm.client();
  const fn = captureLogger();
  const reader = createIparamsReader({
    appId: APP_ID,
    store: new SsmIparamStore({ client: counted.client }),
    ttlMs: TTL_MS,
    logger: fn.logger,
    now: () => clock.monoMs,
    wallClock: () => clock.wallMs,
  });

  function client(mode: Mode, secret: string, onAuthRejected?: () => Promise<CustomerAuthConfig | undefined>): CustomerClient {
    return createCustomerClient({
      baseUrl: customer.origin,
      allowedHosts: manifest.customer.allowedHosts,
      appId: APP_ID,
      installationId: 'acme',
      offline: true,
      logger: fn.logger,
      now: () => clock.wallMs,
      auth: authWith(mode, secret),
      ...(onAuthRejected ? { onAuthRejected } : {}),
    });
  }
  const authWith = (mode: Mode, secret: string): CustomerAuthConfig =>
    mode === 'jwt' ? { mode: 'jwt', alg: 'HS256', secret } : { mode: 'shared-secret', secret };

  // The wiring proposed for src/runtime/define-function.ts: one client per iparams object, and on a credential
  // refusal a rate-limited refresh; a changed secret is retried, else the previous one while its window lasts.
  const clients = new Map<string, { values: object; client: CustomerClient }>();
  function customerFor(mode: Mode, values: { shared_secret: string }): CustomerClient {
    const hit = clients.get(mode);
    if (hit?.values === values) return hit.client;
    const used = values.shared_secret;
    const c = client(mode, used, async () => {
      const fresh = await reader.refresh<{ shared_secret: string }>('acme');
      if (fresh.shared_secret !== used) return authWith(mode, fresh.shared_secret);
      const previous = reader.previous('acme', 'shared_secret');
      return previous !== undefined && previous !== used ? authWith(mode, previous) : undefined;
    });
    clients.set(mode, { values, client: c });
    return c;
  }

  return {
    ssm,
    customer,
    clock,
    installer,
    reader,
    functionReads: () => counted.total(),
    async call(mode, n) {
      const values = await reader.read<{ shared_secret: string }>('acme');
      try {
        const res = await customerFor(mode, values).post('/orders', { n });
        return { ok: res.status === 200, status: res.status };
      } catch (err) {
        return { ok: false, status: (err as { upstreamStatus?: number }).upstreamStatus };
      }
    },
    staleClient: (mode, secret) => client(mode, secret),
    auditLines: audit.lines,
    functionLines: fn.lines,
    async close() {
      await customer.close();
      await ssm.stop();
    },
  };
}

/** Installs `acme` pointing at the customer server, with `secret`. */
export async function installAcme(stack: RotationStack, secret = SECRET_V1): Promise<void> {
  await stack.installer.install('acme', { server_url: stack.customer.origin, shared_secret: secret });
}
