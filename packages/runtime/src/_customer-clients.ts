/** One customer client per installation: built from its iparams, signed with its secret or the app's key. */
import type { AxiosInstance } from 'axios';
import { TesseraError, ConfigError } from '@tessera/protocol/errors';
import { renderTemplate, type IparamsReader } from './iparams/index.js';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { createSigningKeyProvider, SsmKeyStore, type SigningKey, type SigningKeyProvider } from './keys/index.js';
import type { Logger } from '@tessera/protocol/log';
import { createCustomerClient, type CustomerAuthConfig, type CustomerClient, type CustomerClientOptions } from './outbound/index.js';
import type { IparamValues, Manifest } from '@tessera/schema';

const MAX_CLIENTS = 1_000;

export interface CustomerClientsOptions {
  manifest: Manifest;
  reader: IparamsReader;
  /** The app's signing keys when `customer.auth.alg` is ES256 or EdDSA. Default: read from SSM, cached. */
  signingKeys: SigningKeyProvider | undefined;
  /** How long the default provider reuses the key document. */
  keysTtlMs: number | undefined;
  /** The iparams store's SSM client, which the default provider shares: one connection pool, one TLS handshake. */
  ssmClient: SSMClient | undefined;
  http: AxiosInstance | undefined;
  logger: Logger;
  offline: boolean;
  now: () => number;
}

/** Hands out each installation's client, rebuilt only when its iparams object changes (a refresh). */
export type CustomerClients = (installationId: string, iparams: IparamValues) => CustomerClient;

/**
 * A client whose key is picked at call time, so a key rotation is followed without rebuilding anything and an
 * installation that never calls out never needs a key. One signer per key, kept while that key signs.
 */
function appKeyClient(keys: SigningKeyProvider, build: (key: SigningKey) => CustomerClient): CustomerClient {
  let built: { key: SigningKey; client: CustomerClient } | undefined;
  const current = async (): Promise<CustomerClient> => {
    let key: SigningKey;
    try {
      key = keys.peek() ?? (await keys.current());
    } catch (err) {
      // No key or a broken key set is the app's misconfiguration: a 500 to the caller, not the CLI's 404.
      if (err instanceof TesseraError && (err.code === 'ERR_KEYS_NOT_FOUND' || err.code === 'ERR_KEYS_INVALID')) {
        throw new ConfigError([], { cause: err.code });
      }
      throw err;
    }
    if (built?.key !== key) built = { key, client: build(key) };
    return built.client;
  };
  return {
    request: async (req) => (await current()).request(req),
    get: async (url, headers) => (await current()).get(url, headers),
    post: async (url, data, headers) => (await current()).post(url, data, headers),
    put: async (url, data, headers) => (await current()).put(url, data, headers),
    patch: async (url, data, headers) => (await current()).patch(url, data, headers),
    delete: async (url, headers) => (await current()).delete(url, headers),
    wsTicket: async (path, options) => (await current()).wsTicket(path, options),
  };
}

export function createCustomerClients(o: CustomerClientsOptions): CustomerClients {
  const appId = o.manifest.app.id;
  const conn = o.manifest.customer;
  const lifetime = conn.auth.tokenLifetimeSec ? { tokenLifetimeSec: conn.auth.tokenLifetimeSec } : {};
  const appKeySigned = conn.auth.alg === 'ES256' || conn.auth.alg === 'EdDSA';
  const provider = (): SigningKeyProvider =>
    createSigningKeyProvider({
      appId,
      logger: o.logger,
      now: o.now,
      ...(o.keysTtlMs === undefined ? {} : { ttlMs: o.keysTtlMs }),
      ...(o.ssmClient === undefined ? {} : { store: new SsmKeyStore({ client: o.ssmClient }) }),
    });
  const signingKeys = appKeySigned ? (o.signingKeys ?? provider()) : undefined;
  const clients = new Map<string, { iparams: IparamValues; client: CustomerClient }>();

  const secretAuth = (mode: string, secret: string): CustomerAuthConfig =>
    mode === 'jwt'
      ? { mode: 'jwt', alg: 'HS256', secret, ...lifetime }
      : { mode: 'shared-secret', secret, ...(conn.auth.header ? { header: conn.auth.header } : {}) };

  function build(installationId: string, iparams: IparamValues): CustomerClient {
    const mode = renderTemplate(conn.auth.mode, iparams);
    const common: Omit<CustomerClientOptions, 'auth'> = {
      baseUrl: renderTemplate(conn.baseUrl, iparams),
      allowedHosts: conn.allowedHosts,
      appId,
      installationId,
      ...(conn.timeoutMs ? { timeoutMs: conn.timeoutMs } : {}),
      ...(conn.maxResponseBytes ? { maxResponseBytes: conn.maxResponseBytes } : {}),
      ...(o.http ? { http: o.http } : {}),
      logger: o.logger,
      offline: o.offline,
      now: o.now,
    };
    if (mode === 'jwt' && signingKeys) {
      return appKeyClient(signingKeys, (key) =>
        createCustomerClient({ ...common, auth: { mode: 'jwt', alg: key.alg, privateKey: key.privateKey, kid: key.kid, ...lifetime } }),
      );
    }
    const secret = String(iparams[conn.auth.secretIparam] ?? '');
    return createCustomerClient({
      ...common,
      auth: secretAuth(mode, secret),
      // The customer refused the secret: re-read SSM (at most once per 5 s per installation) and retry once with a
      // changed secret, else with the previous one while its rotation window lasts.
      onAuthRejected: async () => {
        const fresh = await o.reader.refresh<IparamValues>(installationId);
        const next = String(fresh[conn.auth.secretIparam] ?? '');
        if (next !== '' && next !== secret) return secretAuth(mode, next);
        const previous = o.reader.previous(installationId, conn.auth.secretIparam);
        return previous !== undefined && previous !== secret ? secretAuth(mode, previous) : undefined;
      },
    });
  }

  return (installationId, iparams) => {
    const hit = clients.get(installationId);
    if (hit?.iparams === iparams) return hit.client;
    const client = build(installationId, iparams);
    clients.delete(installationId);
    clients.set(installationId, { iparams, client });
    if (clients.size > MAX_CLIENTS) clients.delete(clients.keys().next().value as string);
    return client;
  };
}
