/** Verifier options are checked once, at construction: misuse is a TypeError that never echoes a secret. */
import { createVerifier, MemoryReplayStore, tesseraExpress, verifyNodeRequest } from '../../src/index.js';
import type { VerifierOptions } from '../../src/index.js';
import type { IncomingMessage } from 'node:http';
import { silentLogger } from '../../../protocol/src/log.js';
import { APP_ID, CURRENT_SECRET, ORIGIN } from './_helpers.js';

const jwt = { mode: 'jwt', secrets: [CURRENT_SECRET], issuer: APP_ID, publicOrigin: ORIGIN, logger: silentLogger } as const;
const shared = { mode: 'shared-secret', secrets: [CURRENT_SECRET], publicOrigin: ORIGIN, logger: silentLogger } as const;

describe('createVerifier', () => {
  describe('options', () => {
    it.each<[string, Record<string, unknown>, RegExp]>([
      ['an unknown key', { ...jwt, clockTolerance: 5 }, /unknown option "clockTolerance"/],
      ['no mode', { ...jwt, mode: undefined }, /"mode"/],
      ['no publicOrigin', { ...jwt, publicOrigin: undefined }, /"publicOrigin" is required/],
      ['a publicOrigin with a path', { ...jwt, publicOrigin: `${ORIGIN}/api` }, /no path/],
      ['a publicOrigin with a query', { ...jwt, publicOrigin: `${ORIGIN}?x=1` }, /no path/],
      ['a publicOrigin with credentials', { ...jwt, publicOrigin: 'https://u:p@orders.acme.test' }, /credentials/],
      ['a publicOrigin that is not http(s)', { ...jwt, publicOrigin: 'ftp://orders.acme.test' }, /scheme/],
      ['no secrets', { ...jwt, secrets: [] }, /"secrets"/],
      ['three secrets', { ...jwt, secrets: [CURRENT_SECRET, CURRENT_SECRET, CURRENT_SECRET] }, /"secrets"/],
      ['a 31-byte secret', { ...jwt, secrets: ['s'.repeat(31)] }, /at least 32 bytes/],
      ['a short previous secret in shared-secret mode', { ...shared, secrets: [CURRENT_SECRET, 'short'] }, /secrets\[1\]/],
      ['no issuer in jwt mode', { ...jwt, issuer: undefined }, /"issuer" is required/],
      ['an empty issuer list', { ...jwt, issuer: [] }, /"issuer"/],
      ['alg none pinned', { ...jwt, algorithms: ['none'] }, /not supported/],
      ['an asymmetric algorithm with shared secrets (algorithm confusion)', { ...jwt, algorithms: ['ES256'] }, /cannot be mixed/],
      ['no algorithm', { ...jwt, algorithms: [] }, /non-empty/],
      ['maxTokenAgeSec of 0', { ...jwt, maxTokenAgeSec: 0 }, /maxTokenAgeSec/],
      ['maxTokenAgeSec in milliseconds', { ...jwt, maxTokenAgeSec: 60_000 }, /maxTokenAgeSec/],
      ['a negative clockToleranceSec', { ...jwt, clockToleranceSec: -1 }, /clockToleranceSec/],
      ['a replayStore without remember', { ...jwt, replayStore: {} }, /replayStore/],
      [
        'a replayStore whose rememberSync is not a function',
        { ...jwt, replayStore: { remember: async () => true, rememberSync: 1 } },
        /rememberSync/,
      ],
      ['a header in jwt mode', { ...jwt, header: 'x-key' }, /applies only to mode "shared-secret"/],
      ['an issuer in shared-secret mode', { ...shared, issuer: APP_ID }, /applies only to mode "jwt"/],
      ['a header name with a space', { ...shared, header: 'x key' }, /header name/],
      ['Authorization as the secret header', { ...shared, header: 'Authorization' }, /not be Authorization/],
      ['a now that is not a function', { ...jwt, now: 5 }, /"now"/],
    ])('throws a TypeError for %s', (_name, options, message) => {
      // Prepare
      const build = () => createVerifier(options as unknown as VerifierOptions);

      // Act
      let thrown: unknown;
      try {
        build();
      } catch (err) {
        thrown = err;
      }

      // Assess
      expect(thrown).toBeInstanceOf(TypeError);
      expect((thrown as Error).message).toMatch(message);
      expect((thrown as Error).message).not.toContain(CURRENT_SECRET);
    });

    it('never echoes a rejected secret', () => {
      // Prepare
      const tooShort = 'hunter2-hunter2-hunter2';

      // Act
      const build = () => createVerifier({ ...jwt, secrets: [tooShort] });

      // Assess
      expect(build).toThrow(TypeError);
      expect(build).not.toThrow(new RegExp(tooShort));
    });

    it('canonicalises publicOrigin to scheme://host[:port]', async () => {
      // Prepare
      const verifier = createVerifier({ ...shared, publicOrigin: 'HTTPS://Orders.Acme.Test:443/' });

      // Act
      const verified = await verifier.verify({ method: 'GET', url: '/', headers: { 'x-tessera-secret': CURRENT_SECRET }, body: new Uint8Array() });

      // Assess
      expect(verified.mode).toBe('shared-secret');
    });
  });
});

describe('MemoryReplayStore', () => {
  describe('options', () => {
    it.each<[string, Record<string, unknown>]>([
      ['an unknown key', { max: 10 }],
      ['maxEntries of 0', { maxEntries: 0 }],
      ['fractional maxEntries', { maxEntries: 1.5 }],
    ])('throws a TypeError for %s', (_name, options) => {
      expect(() => new MemoryReplayStore(options)).toThrow(TypeError);
    });
  });
});

describe('tesseraExpress', () => {
  describe('options', () => {
    it('throws a TypeError for a negative maxBodyBytes, at construction', () => {
      expect(() => tesseraExpress({ ...jwt, maxBodyBytes: -1 })).toThrow(TypeError);
    });

    it('throws a TypeError for verifier options it does not know', () => {
      expect(() => tesseraExpress({ ...jwt, maxBody: 10 } as never)).toThrow(/unknown option "maxBody"/);
    });
  });
});

describe('verifyNodeRequest', () => {
  describe('options', () => {
    it('rejects an unknown option with a TypeError', async () => {
      const verifier = createVerifier(jwt);
      await expect(verifyNodeRequest({} as IncomingMessage, verifier, { maxBody: 1 } as never)).rejects.toThrow(TypeError);
    });
  });
});
