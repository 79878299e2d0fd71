/** IparamStore on AWS SSM Parameter Store: one SecureString document per installation. */
import { assertKnownOptions } from '@tessera/protocol';
import {
  DeleteParametersCommand,
  GetParameterCommand,
  type GetParameterCommandOutput,
  GetParametersCommand,
  GetParametersByPathCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { IparamValidationError, StoreError } from '@tessera/protocol/errors';
import { installationDocumentName, installationPath } from './_layout.js';
import { largestFields, parseDocument, TIER_LIMIT_BYTES, type InstallationDocument, type Tier } from './_document.js';

/** A document as read back, with SSM's own version of the parameter. */
export interface StoredDocument {
  document: InstallationDocument;
  version: number;
}

/** GetParameters takes at most this many names. */
export const MAX_INSTALLATIONS_PER_READ = 10;

/** Where installation documents live. SSM in production; anything implementing this in tests or elsewhere. */
export interface IparamStore {
  /** The installation's document, or undefined when there is none. */
  get(appId: string, installationId: string): Promise<StoredDocument | undefined>;
  /**
   * Several installations' documents in one request (at most {@link MAX_INSTALLATIONS_PER_READ}), by id; an id
   * without a document maps to undefined, one whose document cannot be read to its `StoreError`, so one broken
   * document fails only its own installation. Optional: a reader batches only through a store that has it.
   */
  getMany?(appId: string, installationIds: readonly string[]): Promise<Map<string, StoredDocument | undefined | StoreError>>;
  /** Replaces the whole document in one write. */
  put(appId: string, installationId: string, document: InstallationDocument): Promise<{ version: number }>;
  /** Removes everything stored below the installation's path; false when there was nothing. */
  delete(appId: string, installationId: string): Promise<boolean>;
}

/**
 * Options of {@link SsmIparamStore}: a client of your own, or the default one with its request timeout.
 * @example
 * const options: SsmIparamStoreOptions = { requestTimeoutMs: 500 };
 */
export type SsmIparamStoreOptions = {
  /** KMS key for SecureString values. Default `alias/aws/ssm` (the CLI: `TESSERA_KMS_KEY_ID`). */
  kmsKeyId?: string;
  /** SSM tier. Default `Standard` (4 KiB); `Advanced` (8 KiB, billed) only when asked for, never silently. */
  tier?: Tier;
} & (
  | {
      /** An SSM client to use (endpoint, credentials, middleware, timeouts): its own settings apply. */
      client: SSMClient;
      requestTimeoutMs?: never;
    }
  | {
      client?: never;
      /**
       * Each attempt of the default client gives up after this many ms, connection included, and counts as a failed
       * attempt. Default 1,000 (`createApp`: `TESSERA_SSM_REQUEST_TIMEOUT_MS`); from 50 to 60,000.
       */
      requestTimeoutMs?: number;
    }
);

/**
 * Attempts per SSM call of the default client (the SDK's standard retry mode: the first and two retries).
 * @example
 * const worstCaseRequests = SSM_MAX_ATTEMPTS; // per store read
 */
export const SSM_MAX_ATTEMPTS = 3;
/**
 * Default per-attempt timeout of the default client, in ms. A read then fails by 3 × 1,000 ms plus the SDK's
 * retry delays (under 150 ms for 5xx and timeouts; under 3,000 ms for throttling, whose attempts answer at once).
 * @example
 * new SsmIparamStore({ requestTimeoutMs: SSM_REQUEST_TIMEOUT_MS });
 */
export const SSM_REQUEST_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_BOUNDS_MS = { min: 50, max: 60_000 } as const;

const DEFAULTS = { kmsKeyId: 'alias/aws/ssm', tier: 'Standard', requestTimeoutMs: SSM_REQUEST_TIMEOUT_MS } as const;
const OPTION_KEYS = new Set(['client', 'kmsKeyId', 'tier', 'requestTimeoutMs']);

/**
 * The runtime's SSM client: bounded attempts, each with a timeout that fails it (the SDK has none by default, and
 * only warns unless told to throw), so an SSM that stops answering cannot hold an invocation until Lambda kills it.
 */
/**
 * The SSM client Tessera's stores make when given none: `SSM_MAX_ATTEMPTS` attempts, each failing after
 * `requestTimeoutMs` (the SDK alone only warns), so a hung SSM cannot hold an invocation until Lambda's timeout.
 * @example
 * const client = createDefaultSsmClient(SSM_REQUEST_TIMEOUT_MS);
 */
export function createDefaultSsmClient(requestTimeoutMs: number = SSM_REQUEST_TIMEOUT_MS): SSMClient {
  return new SSMClient({
    maxAttempts: SSM_MAX_ATTEMPTS,
    requestHandler: { connectionTimeout: requestTimeoutMs, requestTimeout: requestTimeoutMs, throwOnRequestTimeout: true },
  });
}

/** Maps an SDK failure to ERR_STORE_UNAVAILABLE, keeping only its name and status as the cause. */
export function toStoreError(err: unknown): StoreError {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return new StoreError('ERR_STORE_UNAVAILABLE', {
    cause: { name: e?.name ?? 'Error', httpStatusCode: e?.$metadata?.httpStatusCode },
  });
}

/**
 * One SecureString, decrypted: undefined when it does not exist, a `StoreError` when SSM fails.
 * @example
 * const p = await readSecureParameter(client, '/tessera/order-lookup/keys/signing');
 */
export async function readSecureParameter(client: SSMClient, name: string): Promise<{ value: string; version: number } | undefined> {
  let out: GetParameterCommandOutput;
  try {
    out = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
  } catch (err) {
    if (err instanceof ParameterNotFound) return undefined;
    throw toStoreError(err);
  }
  const p = out.Parameter;
  return p?.Value === undefined ? undefined : { value: p.Value, version: p.Version ?? 0 };
}

/**
 * Writes one SecureString whole: the new version, or a `StoreError` (SDK errors the caller must tell apart, such as
 * `ParameterAlreadyExists` when `overwrite` is false, are rethrown as they are).
 * @example
 * await writeSecureParameter(client, { name, value, kmsKeyId, tier: 'Standard', overwrite: false, description });
 */
export async function writeSecureParameter(
  client: SSMClient,
  p: { name: string; value: string; kmsKeyId: string; tier: Tier; overwrite: boolean; description: string },
): Promise<{ version: number }> {
  try {
    const out = await client.send(
      new PutParameterCommand({
        Name: p.name,
        Value: p.value,
        Type: 'SecureString',
        KeyId: p.kmsKeyId,
        Tier: p.tier,
        Overwrite: p.overwrite,
        Description: p.description,
      }),
    );
    return { version: out.Version ?? 0 };
  } catch (err) {
    if (err instanceof ParameterAlreadyExists) throw err;
    throw toStoreError(err);
  }
}

function storedDocument(name: string, value: string, version: number): StoredDocument {
  try {
    return { document: parseDocument(value), version };
  } catch {
    throw new StoreError('ERR_STORE_UNAVAILABLE', { cause: { name: 'MalformedDocument', parameter: name } });
  }
}

/**
 * Installation documents in SSM Parameter Store, as SecureString, read with GetParameter, or GetParameters for a
 * batch (never by path).
 * @example
 * const store = new SsmIparamStore({ client: new SSMClient({}) });
 * const stored = await store.get('order-lookup', 'acme');
 */
export class SsmIparamStore implements IparamStore {
  readonly client: SSMClient;
  readonly kmsKeyId: string;
  readonly tier: Tier;

  constructor(options: SsmIparamStoreOptions = {}) {
    assertKnownOptions('SsmIparamStore', options, OPTION_KEYS);
    if (options.tier !== undefined && !(options.tier in TIER_LIMIT_BYTES)) {
      throw new TypeError('SsmIparamStore: tier must be "Standard" or "Advanced"');
    }
    const { requestTimeoutMs = DEFAULTS.requestTimeoutMs } = options;
    if (options.client !== undefined && options.requestTimeoutMs !== undefined) {
      throw new TypeError('SsmIparamStore: "requestTimeoutMs" applies to the default client only; set it on your client');
    }
    const { min, max } = REQUEST_TIMEOUT_BOUNDS_MS;
    if (!Number.isInteger(requestTimeoutMs) || requestTimeoutMs < min || requestTimeoutMs > max) {
      throw new TypeError(`SsmIparamStore: "requestTimeoutMs" must be a whole number of ms from ${min} to ${max}`);
    }
    this.client = options.client ?? createDefaultSsmClient(requestTimeoutMs);
    this.kmsKeyId = options.kmsKeyId ?? DEFAULTS.kmsKeyId;
    this.tier = options.tier ?? DEFAULTS.tier;
  }

  async get(appId: string, installationId: string): Promise<StoredDocument | undefined> {
    const name = installationDocumentName(appId, installationId);
    const p = await readSecureParameter(this.client, name);
    return p === undefined ? undefined : storedDocument(name, p.value, p.version);
  }

  async getMany(appId: string, installationIds: readonly string[]): Promise<Map<string, StoredDocument | undefined | StoreError>> {
    if (installationIds.length === 0 || installationIds.length > MAX_INSTALLATIONS_PER_READ) {
      throw new TypeError(`SsmIparamStore.getMany: 1 to ${MAX_INSTALLATIONS_PER_READ} installations at once`);
    }
    const names = installationIds.map((id) => installationDocumentName(appId, id));
    let parameters: { Name?: string; Value?: string; Version?: number }[];
    try {
      parameters = (await this.client.send(new GetParametersCommand({ Names: names, WithDecryption: true }))).Parameters ?? [];
    } catch (err) {
      throw toStoreError(err);
    }
    const byName = new Map(parameters.map((p) => [p.Name, p]));
    const out = new Map<string, StoredDocument | undefined | StoreError>();
    for (const [i, id] of installationIds.entries()) {
      const name = names[i] as string;
      const p = byName.get(name);
      // A name SSM does not have comes back among InvalidParameters: no document.
      if (p?.Value === undefined) out.set(id, undefined);
      else {
        try {
          out.set(id, storedDocument(name, p.Value, p.Version ?? 0));
        } catch (err) {
          out.set(id, err as StoreError);
        }
      }
    }
    return out;
  }

  async put(appId: string, installationId: string, document: InstallationDocument): Promise<{ version: number }> {
    const name = installationDocumentName(appId, installationId);
    const value = JSON.stringify(document);
    const limit = TIER_LIMIT_BYTES[this.tier];
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > limit) {
      const top = largestFields(document.values)[0];
      // A rotation keeps the previous secret in the same document, so it counts against the same limit.
      const kept = document.previous ? `, including ${Object.keys(document.previous).length} previous value(s) kept for a rotation` : '';
      throw new IparamValidationError([
        {
          field: top?.field ?? '*',
          rule: `the installation's values total ${bytes} bytes${kept}, over SSM's ${limit}-byte ${this.tier} tier limit (this field is the largest, ${top?.bytes ?? 0} bytes)`,
        },
      ]);
    }
    return writeSecureParameter(this.client, {
      name,
      value,
      kmsKeyId: this.kmsKeyId,
      tier: this.tier,
      overwrite: true,
      description: `Tessera installation parameters (${appId})`,
    });
  }

  async delete(appId: string, installationId: string): Promise<boolean> {
    const path = installationPath(appId, installationId);
    const names: string[] = [];
    try {
      let token: string | undefined;
      // Admin path only: by-path listing finds strays under the installation; the runtime never lists.
      do {
        const page = await this.client.send(new GetParametersByPathCommand({ Path: path, Recursive: true, NextToken: token, MaxResults: 10 }));
        for (const p of page.Parameters ?? []) if (p.Name) names.push(p.Name);
        token = page.NextToken;
      } while (token);
      for (let i = 0; i < names.length; i += 10) {
        await this.client.send(new DeleteParametersCommand({ Names: names.slice(i, i + 10) }));
      }
    } catch (err) {
      throw toStoreError(err);
    }
    return names.length > 0;
  }
}
