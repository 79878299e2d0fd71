/** createSessionVerifier's options: validated once at construction, TypeError on misuse, unknown keys refused. */
import { createSessionVerifier, type SessionVerifierOptions } from '../../../src/inbound/session.js';
import { silentLogger } from '../../../../protocol/src/log.js';

const GOOD: SessionVerifierOptions = {
  jwksUrl: 'https://platform.test/.well-known/jwks.json',
  issuer: 'https://platform.test',
  audience: 'order-lookup',
  logger: silentLogger,
};

describe('createSessionVerifier', () => {
  describe('options', () => {
    it('accepts the minimal options', () => {
      // Act
      const verifier = createSessionVerifier(GOOD);
      // Assess
      expect(typeof verifier.verify).toBe('function');
    });

    it('treats an explicit undefined as an absent option', () => {
      // Act
      const make = () => createSessionVerifier({ ...GOOD, typ: undefined, algorithms: undefined });
      // Assess
      expect(make).not.toThrow();
    });

    it.each([['http://localhost:4000/jwks.json'], ['http://127.0.0.1:4000/jwks.json'], ['http://[::1]:4000/jwks.json']])(
      'accepts the loopback JWKS %s offline',
      (jwksUrl) => {
        // Act
        const make = () => createSessionVerifier({ ...GOOD, jwksUrl, offline: true });
        // Assess
        expect(make).not.toThrow();
      },
    );

    it.each<[string, Record<string, unknown>, RegExp]>([
      ['options not an object', { __replace: null }, /options must be an object/],
      ['an unknown key (typo)', { maxTokenAgeSecs: 60 }, /unknown option "maxTokenAgeSecs"/],
      ['jwksUrl missing', { jwksUrl: undefined }, /"jwksUrl" is required/],
      ['jwksUrl not a URL', { jwksUrl: 'platform.test/jwks' }, /absolute URL/],
      ['jwksUrl over http', { jwksUrl: 'http://platform.test/jwks.json' }, /must be https/],
      ['jwksUrl over http to loopback, online', { jwksUrl: 'http://127.0.0.1:4000/jwks.json' }, /must be https/],
      ['jwksUrl over http off loopback, offline', { jwksUrl: 'http://127.0.0.1.evil.test/jwks.json', offline: true }, /must be https/],
      ['jwksUrl with credentials', { jwksUrl: 'https://user:pw@platform.test/jwks.json' }, /credentials/],
      ['jwksUrl with a fragment', { jwksUrl: 'https://platform.test/jwks.json#x' }, /fragment/],
      ['jwksUrl over file:', { jwksUrl: 'file:///etc/jwks.json' }, /must be https/],
      ['issuer empty', { issuer: '' }, /"issuer" must be a non-empty string/],
      ['audience missing', { audience: undefined }, /"audience" must be a non-empty string/],
      ['algorithms empty', { algorithms: [] }, /non-empty list/],
      ['algorithm HS256', { algorithms: ['HS256'] }, /"HS256" is not supported/],
      ['algorithm none', { algorithms: ['RS256', 'none'] }, /"none" is not supported/],
      ['maxTokenAgeSec 0', { maxTokenAgeSec: 0 }, /"maxTokenAgeSec" must be a number of seconds from 1 to 3600/],
      ['maxTokenAgeSec a string', { maxTokenAgeSec: '5m' }, /"maxTokenAgeSec"/],
      ['clockToleranceSec negative', { clockToleranceSec: -1 }, /"clockToleranceSec" must be a number of seconds from 0 to 60/],
      ['clockToleranceSec NaN', { clockToleranceSec: Number.NaN }, /"clockToleranceSec"/],
      ['installationClaim empty', { installationClaim: ' ' }, /"installationClaim"/],
      ['typ of the outbound request token', { typ: 'tessera+jwt' }, /must name the session profile/],
      ['typ JWT', { typ: 'application/JWT' }, /must name the session profile/],
      ['offline not a boolean', { offline: 'yes' }, /"offline" must be a boolean/],
      ['fetchJwks not a function', { fetchJwks: 'curl' }, /"fetchJwks" must be a function/],
      ['now not a function', { now: 0 }, /"now" must be a function/],
      ['logger without log()', { logger: {} }, /"logger" must be a Logger/],
    ])('throws a TypeError for %s', (_name, change, message) => {
      // Prepare
      const options = '__replace' in change ? change.__replace : { ...GOOD, ...change };
      // Act
      const make = () => createSessionVerifier(options as SessionVerifierOptions);
      // Assess
      expect(make).toThrow(TypeError);
      expect(make).toThrow(message);
    });
  });

  describe('verify: requiredScopes', () => {
    it.each([[undefined], ['orders:read'], [[42]], [['']]])('throws a TypeError for %p', async (scopes) => {
      // Prepare
      const verifier = createSessionVerifier(GOOD);
      // Act
      const act = verifier.verify('Bearer x.y.z', scopes as unknown as string[]);
      // Assess
      await expect(act).rejects.toThrow(TypeError);
    });
  });
});
