/**
 * createHtuMatcher against full normalisation: the verbatim fast path answers exactly as normalizeHtu would, over a
 * table of tricky targets and a seeded corpus, so skipping the URL parse accepts nothing the parse would refuse.
 */
import { normalizeHtu } from '../../../protocol/src/index.js';
import { createHtuMatcher } from '../../src/_htu.js';
import { seededRandom } from '../../../../test/helpers/seeded-random.js';

const ORIGINS = ['https://orders.acme.test', 'http://127.0.0.1:4100', 'https://[::1]:8443', 'https://bücher.example'];
const ALPHABET = [...'az09-._~!$&()*+,;=:@/?#%\'"`{}<>^|[]\\ é', '%7e', '%7E', '%2f', '%2e', '/.', '/..', '..', '\t'];

/** What the check meant before the fast path: the target under the origin, normalised, equals htu. */
function fullAnswer(origin: string, htu: string, target: string): boolean {
  if (!target.startsWith('/')) return false;
  try {
    return htu === normalizeHtu(origin + target);
  } catch {
    return false;
  }
}

/** The htu values worth trying for a target: the verbatim string (what the fast path looks for) and the normal form. */
function candidates(origin: string, target: string): string[] {
  const out = [origin + target];
  try {
    out.push(normalizeHtu(origin + target));
  } catch {
    // A target that does not parse has no normal form; the verbatim candidate still exercises the refusal.
  }
  return out;
}

describe('createHtuMatcher', () => {
  describe('verbatim targets', () => {
    it.each([
      ['/orders/1001', true],
      ['/orders/42?full=1&x=a:b@c', true],
      ['/a/../b', false],
      ['/a/./b', false],
      ['/a/..', false],
      ['/a?', false],
      ['/a#frag', false],
      ['/%7e1', false],
      ["/a?q='", false],
      ['/a\\b', false],
      ['/a b', false],
    ])('accepts the literal origin + %s only when that is already its normal form (%s)', (target, accepted) => {
      // Prepare
      const origin = 'https://orders.acme.test';
      const matches = createHtuMatcher(origin);

      // Act
      const answer = matches(origin + target, target);

      // Assess
      expect(answer).toBe(accepted);
      expect(answer).toBe(fullAnswer(origin, origin + target, target));
    });

    it.each(['@evil.test/x', '.evil.test/x', 'evil.test/x', ''])('refuses a target that is not a path: %j', (target) => {
      // Prepare
      const origin = 'https://orders.acme.test';
      const matches = createHtuMatcher(origin);

      // Act
      const answers = [matches(origin + target, target), matches(normalizeHtu(`https://evil.test/x`), target)];

      // Assess
      expect(answers).toEqual([false, false]);
    });

    it('still matches the normal form when the origin is not verbatim (IDN host)', () => {
      // Prepare
      const origin = 'https://bücher.example';
      const matches = createHtuMatcher(origin);

      // Act
      const answers = [matches(normalizeHtu(`${origin}/x`), '/x'), matches(`${origin}/x`, '/x')];

      // Assess
      expect(answers).toEqual([true, false]);
    });
  });

  describe('against normalizeHtu', () => {
    it.each([1, 2, 3])('answers as full normalisation does on a seeded corpus (seed %i)', (seed) => {
      // Prepare
      const next = seededRandom(seed);
      const disagreements: string[] = [];
      let verbatimAccepted = 0;

      // Act
      for (let i = 0; i < 3000; i++) {
        const origin = ORIGINS[i % ORIGINS.length] as string;
        const length = 1 + Math.floor(next() * 12);
        const target = `/${Array.from({ length }, () => ALPHABET[Math.floor(next() * ALPHABET.length)]).join('')}`;
        const matches = createHtuMatcher(origin);
        for (const htu of candidates(origin, target)) {
          const answer = matches(htu, target);
          if (answer !== fullAnswer(origin, htu, target)) disagreements.push(`${origin} ${JSON.stringify(target)} ${htu}`);
          if (answer && htu === origin + target) verbatimAccepted++;
        }
      }

      // Assess
      expect(disagreements).toEqual([]);
      expect(verbatimAccepted).toBeGreaterThan(50); // the fast path was really taken: the test is not vacuous
    });
  });
});
