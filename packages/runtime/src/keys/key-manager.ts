/** Generate, rotate, retire and list the app's signing keys; one audit event per operation, never key material. */
import { assertKnownOptions } from '@tessera/protocol';
import { StoreError, TesseraError, KeysError } from '@tessera/protocol/errors';
import { createJsonLogger, type Logger } from '@tessera/protocol/log';
import { activeKey, replacedAtMs, SIGNING_ALGS, stateOf, type KeySetDocument, type KeyState, type SigningAlg, type StoredKey } from './_document.js';
import { generateStoredKey } from './_key-material.js';
import { importSet } from './_key-set-cache.js';
import { serializeKeySet, signingKeysParameterName, type KeyStore, type StoredKeySet } from './key-store.js';
import {
  DEFAULT_ROTATION_DELAY_SEC,
  MIN_CANCEL_BEFORE_ACTIVATION_SEC,
  MIN_RETIRE_AFTER_SEC,
  MIN_ROTATION_DELAY_SEC,
  VERIFIER_JWKS_MAX_AGE_SEC,
} from './rotation-policy.js';

/** A key as `list` shows it: identity, state and dates, never key material. */
export interface KeyInfo {
  kid: string;
  alg: SigningAlg;
  state: KeyState;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601: when it starts (or started) to sign. */
  activatesAt: string;
  /** ISO 8601, previous keys only: from when `retire` may remove it. */
  retirableAt?: string;
}

export interface KeyManagerOptions {
  appId: string;
  store: KeyStore;
  logger?: Logger;
  /** Who acts, for the audit log (a user name or `cli`). Default `cli`. */
  actor?: string;
  /** Wall clock in epoch ms, for tests. Default `Date.now`. */
  now?: () => number;
}

export interface GenerateKeyOptions {
  /** Default `ES256`. */
  alg?: SigningAlg;
}

export interface RotateKeyOptions {
  /** Default: the current key's algorithm. */
  alg?: SigningAlg;
  /** Seconds from now until the new key signs. Default 600; at least MIN_ROTATION_DELAY_SEC (420). */
  delaySec?: number;
}

export interface RetireKeyOptions {
  /** The key to remove. Default: every previous key past its overlap. */
  kid?: string;
}

/**
 * @example
 * const info = await manager.rotate({ delaySec: 600 });
 */
export interface KeyManager {
  /** Creates the app's first key, active at once. Refuses (ERR_KEYS_CONFLICT) when keys exist. */
  generate(options?: GenerateKeyOptions): Promise<KeyInfo>;
  /** Publishes the next key now; it signs from now + `delaySec`. Refuses while another rotation is pending. */
  rotate(options?: RotateKeyOptions): Promise<KeyInfo>;
  /** Removes keys that no longer sign and are past their overlap; never the signing key. */
  retire(options?: RetireKeyOptions): Promise<KeyInfo[]>;
  /** Every stored key with its state now. */
  list(): Promise<KeyInfo[]>;
}

const OPTION_KEYS = new Set(['appId', 'store', 'logger', 'actor', 'now']);
const DEFAULTS = { actor: 'cli', alg: 'ES256', delaySec: DEFAULT_ROTATION_DELAY_SEC } as const;

function conflict(message: string): TesseraError {
  return new KeysError('ERR_KEYS_CONFLICT', { message });
}

function checkAlg(caller: string, alg: unknown): SigningAlg {
  if (!SIGNING_ALGS.includes(alg as SigningAlg)) throw new TypeError(`${caller}: alg must be one of ${SIGNING_ALGS.join(', ')}`);
  return alg as SigningAlg;
}

/** The rule `tessera keys rotate` states when it refuses a delay, shared so the CLI says the same. */
export const ROTATION_DELAY_RULE =
  `must be a whole number of seconds, at least ${MIN_ROTATION_DELAY_SEC}: longer than a verifier's JWKS cache ` +
  `(${VERIFIER_JWKS_MAX_AGE_SEC} s) plus the JWKS function's cache and max-age, so every verifier has the next key before it signs`;

/**
 * Key administration for the CLI. Writes replace the one document, so readers see a whole key set, old or new.
 * Two administrators rotating at the same second can race (SSM has no compare-and-set); run one at a time.
 * @example
 * const manager = createKeyManager({ appId: 'order-lookup', store: new SsmKeyStore() });
 * await manager.generate({ alg: 'EdDSA' });
 */
export function createKeyManager(options: KeyManagerOptions): KeyManager {
  assertKnownOptions('createKeyManager', options, OPTION_KEYS);
  const { appId, store } = options;
  signingKeysParameterName(appId);
  const logger = options.logger ?? createJsonLogger({ base: { component: 'keys' } });
  const actor = options.actor ?? DEFAULTS.actor;
  const now = options.now ?? Date.now;

  function info(key: StoredKey, keys: readonly StoredKey[], t: number): KeyInfo {
    const state = stateOf(key, keys, t);
    const replaced = state === 'previous' ? replacedAtMs(key, keys, t) : undefined;
    return {
      kid: key.kid,
      alg: key.alg,
      state,
      createdAt: key.createdAt,
      activatesAt: key.activatesAt,
      ...(replaced === undefined ? {} : { retirableAt: new Date(replaced + MIN_RETIRE_AFTER_SEC * 1000).toISOString() }),
    };
  }

  /** One audit record per operation (per retired key for retire), whatever the outcome. */
  function audit(event: string, t: number, fields: Record<string, unknown>, err?: unknown): void {
    const refused = (err instanceof TesseraError && !(err instanceof StoreError)) || err instanceof TypeError;
    const result = err === undefined ? 'ok' : refused ? 'refused' : 'failed';
    const code = err instanceof TesseraError ? err.code : err === undefined ? undefined : (err as Error)?.name;
    logger.log(err === undefined ? 'info' : 'warn', event, {
      appId,
      actor,
      at: new Date(t).toISOString(),
      ...fields,
      result,
      ...(code ? { code } : {}),
    });
  }

  async function existing(): Promise<StoredKeySet> {
    const stored = await store.get(appId);
    if (!stored) throw new KeysError('ERR_KEYS_NOT_FOUND', { message: 'the app has no signing keys: run `tessera keys generate`' });
    // A document whose keys do not match their kids is refused before anything is added to it.
    await importSet(appId, stored.document, stored.version);
    return stored;
  }

  function nextDocument(keys: StoredKey[], t: number): KeySetDocument {
    const document: KeySetDocument = { format: 1, keys, updatedAt: new Date(t).toISOString() };
    serializeKeySet(document);
    return document;
  }

  return {
    async generate(opts = {}) {
      const t = now();
      let fields: Record<string, unknown> = { alg: opts.alg ?? DEFAULTS.alg };
      try {
        const alg = checkAlg('generate', opts.alg ?? DEFAULTS.alg);
        if (await store.get(appId)) throw conflict('the app already has signing keys: rotate them instead');
        const key = await generateStoredKey(alg, t, t);
        fields = { kid: key.kid, alg, activatesAt: key.activatesAt };
        await store.put(appId, nextDocument([key], t), { createOnly: true });
        audit('keys.generated', t, fields);
        return info(key, [key], t);
      } catch (err) {
        audit('keys.generated', t, fields, err);
        throw err;
      }
    },

    async rotate(opts = {}) {
      const t = now();
      const delaySec = opts.delaySec ?? DEFAULTS.delaySec;
      let fields: Record<string, unknown> = { alg: opts.alg, delaySec };
      try {
        if (!Number.isInteger(delaySec) || delaySec < MIN_ROTATION_DELAY_SEC) throw new TypeError(`rotate: delaySec ${ROTATION_DELAY_RULE}`);
        const { document } = await existing();
        const pending = document.keys.find((k) => Date.parse(k.activatesAt) > t);
        if (pending) {
          throw conflict(`a rotation is pending (key ${pending.kid} signs from ${pending.activatesAt}): wait for it, or retire that key first`);
        }
        const current = activeKey(document.keys, t) as StoredKey;
        const alg = checkAlg('rotate', opts.alg ?? current.alg);
        const key = await generateStoredKey(alg, t, t + delaySec * 1000);
        fields = { kid: key.kid, alg, delaySec, activatesAt: key.activatesAt, replacesKid: current.kid };
        const keys = [...document.keys, key];
        await store.put(appId, nextDocument(keys, t), { createOnly: false });
        audit('keys.rotated', t, fields);
        return info(key, keys, t);
      } catch (err) {
        audit('keys.rotated', t, fields, err);
        throw err;
      }
    },

    async retire(opts = {}) {
      const t = now();
      let retired: KeyInfo[] = [];
      try {
        const { document } = await existing();
        const all = document.keys;
        const infos = all.map((k) => info(k, all, t));
        if (opts.kid !== undefined) {
          const target = infos.find((k) => k.kid === opts.kid);
          if (!target) throw new KeysError('ERR_KEYS_NOT_FOUND', { message: 'no key with that kid' });
          if (target.state === 'current') throw conflict('the signing key cannot be retired: rotate first, then retire it after the overlap');
          if (target.state === 'previous' && Date.parse(target.retirableAt as string) > t) {
            throw conflict(`the key is in its overlap (tokens it signed may still be in flight): retire it from ${target.retirableAt}`);
          }
          if (target.state === 'next' && Date.parse(target.activatesAt) - t < MIN_CANCEL_BEFORE_ACTIVATION_SEC * 1000) {
            throw conflict(
              `the pending key activates in under ${MIN_CANCEL_BEFORE_ACTIVATION_SEC} s and signers may already use it: let it activate, rotate, then retire it`,
            );
          }
          retired = [target];
        } else {
          retired = infos.filter((k) => k.state === 'previous' && Date.parse(k.retirableAt as string) <= t);
        }
        if (retired.length > 0) {
          const gone = new Set(retired.map((k) => k.kid));
          await store.put(
            appId,
            nextDocument(
              all.filter((k) => !gone.has(k.kid)),
              t,
            ),
            { createOnly: false },
          );
        }
      } catch (err) {
        audit('keys.retired', t, { kid: opts.kid }, err);
        throw err;
      }
      if (retired.length === 0) audit('keys.retired', t, { kid: null, retiredCount: 0 });
      for (const k of retired) audit('keys.retired', t, { kid: k.kid, alg: k.alg, state: k.state, retiredCount: 1 });
      return retired;
    },

    async list() {
      const t = now();
      const { document } = await existing();
      return document.keys.map((k) => info(k, document.keys, t)).sort((a, b) => Date.parse(b.activatesAt) - Date.parse(a.activatesAt));
    },
  };
}
