/** Where the app's key-set document lives: a small store interface and its SSM implementation. */
import { assertKnownOptions } from '@tessera/protocol';
import { ParameterAlreadyExists, type SSMClient } from '@aws-sdk/client-ssm';
import { KeysError } from '@tessera/protocol/errors';
import { createDefaultSsmClient, keysPrefix, readSecureParameter, writeSecureParameter } from '../iparams/index.js';
import { DOCUMENT_MAX_BYTES, parseKeySetDocument, type KeySetDocument } from './_document.js';

/**
 * `/tessera/{appId}/keys/signing`: one SecureString holding every key of the app, private halves included.
 * @example
 * signingKeysParameterName('order-lookup') // '/tessera/order-lookup/keys/signing'
 */
export function signingKeysParameterName(appId: string): string {
  return `${keysPrefix(appId)}signing`;
}

/** A document as read back, with the store's version (SSM's parameter version). */
export interface StoredKeySet {
  document: KeySetDocument;
  version: number;
}

/** Options of {@link KeyStore.put}. */
export interface KeyStorePutOptions {
  /** Write only if no document exists yet (first key); otherwise the call fails with ERR_KEYS_CONFLICT. */
  createOnly: boolean;
}

/**
 * The app's key-set document. SSM in production; anything implementing this in tests.
 * @example
 * const stored = await store.get('order-lookup');
 */
export interface KeyStore {
  /** The document, or undefined when the app has none. Throws ERR_KEYS_INVALID when it does not parse. */
  get(appId: string): Promise<StoredKeySet | undefined>;
  /** Replaces the whole document in one write. */
  put(appId: string, document: KeySetDocument, options: KeyStorePutOptions): Promise<{ version: number }>;
}

export interface SsmKeyStoreOptions {
  /**
   * An SSM client (endpoint, credentials, middleware). Default: the iparams store's default client (AWS_* env, 3
   * attempts of at most `SSM_REQUEST_TIMEOUT_MS` each).
   */
  client?: SSMClient;
  /** KMS key for the SecureString. Default `alias/aws/ssm` (the CLI: `TESSERA_KMS_KEY_ID`). */
  kmsKeyId?: string;
}

const DEFAULTS = { kmsKeyId: 'alias/aws/ssm' } as const satisfies Required<Omit<SsmKeyStoreOptions, 'client'>>;
const OPTION_KEYS = new Set(['client', 'kmsKeyId']);

/** The document's bytes, refused before SSM would refuse them with a less helpful error. */
export function serializeKeySet(document: KeySetDocument): string {
  const text = JSON.stringify(document);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > DOCUMENT_MAX_BYTES) {
    throw new KeysError('ERR_KEYS_CONFLICT', {
      message: `the key set would take ${bytes} bytes, over SSM's ${DOCUMENT_MAX_BYTES}-byte Standard tier: retire previous keys first`,
    });
  }
  return text;
}

/**
 * The key-set document in SSM Parameter Store, read with GetParameter (never by path).
 * @example
 * const store = new SsmKeyStore({ client: new SSMClient({}) });
 * const stored = await store.get('order-lookup');
 */
export class SsmKeyStore implements KeyStore {
  readonly client: SSMClient;
  readonly kmsKeyId: string;

  constructor(options: SsmKeyStoreOptions = {}) {
    assertKnownOptions('SsmKeyStore', options, OPTION_KEYS);
    this.client = options.client ?? createDefaultSsmClient();
    this.kmsKeyId = options.kmsKeyId ?? DEFAULTS.kmsKeyId;
  }

  async get(appId: string): Promise<StoredKeySet | undefined> {
    const name = signingKeysParameterName(appId);
    const p = await readSecureParameter(this.client, name);
    return p === undefined ? undefined : { document: parseKeySetDocument(p.value, name), version: p.version };
  }

  async put(appId: string, document: KeySetDocument, options: KeyStorePutOptions): Promise<{ version: number }> {
    const name = signingKeysParameterName(appId);
    const value = serializeKeySet(document);
    try {
      return await writeSecureParameter(this.client, {
        name,
        value,
        kmsKeyId: this.kmsKeyId,
        tier: 'Standard',
        overwrite: !options.createOnly,
        description: `Tessera app signing keys (${appId})`,
      });
    } catch (err) {
      if (err instanceof ParameterAlreadyExists) {
        throw new KeysError('ERR_KEYS_CONFLICT', { message: 'the app already has signing keys: rotate them instead' });
      }
      throw err;
    }
  }
}
