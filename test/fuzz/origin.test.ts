/** Fuzzed Origin headers against the allowlist (WebSocket upgrades) and the CORS check (functions), with the docs' rule as oracle. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { compileOriginAllowlist } from '../../packages/protocol/src/origin.js';
import { checkActualRequest, compileCorsPolicy } from '../../packages/runtime/src/inbound/cors.js';
import { EDGE_CHARS, fuzzParams, marker, mutationsOf, sampleOf, settle, withMarker } from './_fuzz.js';

const EXACT = ['https://app.example.com:8443', 'http://127.0.0.1:4200'];
const ENTRIES = ['https://*.helpdesk.example.com', ...EXACT];
const allowed = compileOriginAllowlist(ENTRIES) as (origin: string) => boolean;
const policy = compileCorsPolicy({ allowedOrigins: ENTRIES }, { getOrder: { methods: ['GET'] } });

// docs/frontend.md: exact entries, or one DNS label before `.helpdesk.example.com`, https, default port, lower case.
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
function withinRule(origin: string): boolean {
  if (EXACT.includes(origin)) return true;
  const m = /^https:\/\/([^./:]+)\.helpdesk\.example\.com$/.exec(origin);
  return m !== null && LABEL.test(m[1] as string);
}
// WHATWG URL refuses some labels the rule admits (bad punycode): those are refused, never a wrong accept.
const urlMayRefuse = (origin: string) => /(^|[/.])xn--/.test(origin) || /^https:\/\/[^.]*--/.test(origin);

const label = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}[a-z0-9]$|^[a-z0-9]$/);
const validOrigin = fc.oneof(
  fc.constantFrom(...EXACT),
  label.map((l) => `https://${l}.helpdesk.example.com`),
);
const nearOrigin = validOrigin.chain((o) => mutationsOf(o, [...EDGE_CHARS, 'A', 'x', '1', ':', '0', 'evil.', '.evil.net', '%2e', 's']));
const structured = fc
  .tuple(
    fc.constantFrom('https', 'http', 'HTTPS', 'wss', 'ftp', ''),
    fc.constantFrom('://', ':/', ':', '//', '://user@'),
    fc.array(fc.oneof(label, fc.constantFrom('helpdesk', 'example', 'com', '*', '', 'ü', 'xn--bcher-kva', '127', '0x7f')), {
      minLength: 1,
      maxLength: 5,
    }),
    fc.constantFrom('', '.helpdesk.example.com', '.example.com', '.helpdesk.example.com.evil.net', 'helpdesk.example.com'),
    fc.constantFrom('', '', ':443', ':80', ':8443', ':4200', ':08443', ':99999', ':'),
    fc.constantFrom('', '', '/', '/x', '?q', '#f', ' ', '\t', '.', '\u0000'),
  )
  .map(([scheme, sep, labels, base, port, tail]) => `${scheme}${sep}${labels.join('.')}${base}${port}${tail}`);
const hostile = (mark: string) => fc.oneof(withMarker(mark), withMarker(mark, fc.string({ unit: fc.constantFrom(...EDGE_CHARS), maxLength: 8 })));
const anyOrigin = fc.oneof(validOrigin, nearOrigin, structured, fc.string({ maxLength: 300 }), fc.string({ minLength: 260, maxLength: 2000 }));

function event(origin: string): APIGatewayProxyEventV2 {
  return { version: '2.0', headers: { origin }, requestContext: { http: { method: 'GET' } } } as unknown as APIGatewayProxyEventV2;
}

describe('compileOriginAllowlist (fuzz)', () => {
  it('allows exactly the origins the documented rule allows', () => {
    fc.assert(
      fc.property(anyOrigin, (origin) => {
        const verdict = allowed(origin);
        if (verdict) expect(withinRule(origin)).toBe(true);
        else if (!urlMayRefuse(origin)) expect(withinRule(origin)).toBe(false);
      }),
      fuzzParams(),
    );
  });

  it('meets a real share of allowed origins, so the accept path is exercised', () => {
    // Prepare
    const origins = sampleOf(anyOrigin, 1000);
    // Act
    const accepted = origins.filter(allowed);
    // Assess
    expect(accepted.length).toBeGreaterThan(100);
    expect(accepted.length).toBeLessThan(900);
  });
});

describe('checkActualRequest (fuzz)', () => {
  it('answers the allowed origin itself, or 403 ERR_ORIGIN_NOT_ALLOWED naming no part of it', async () => {
    await fc.assert(
      fc.asyncProperty(
        marker.chain((mark) => fc.tuple(fc.constant(mark), fc.oneof(hostile(mark), anyOrigin))),
        async ([mark, origin]) => {
          const outcome = await settle(() => checkActualRequest(policy, event(origin)), {
            codes: ['ERR_ORIGIN_NOT_ALLOWED'],
            markers: origin.includes(mark) ? [mark] : [],
          });
          if (outcome.accepted) {
            expect(outcome.value['access-control-allow-origin']).toBe(origin);
            expect(withinRule(origin)).toBe(true);
          } else {
            expect(outcome.error.status).toBe(403);
          }
        },
      ),
      fuzzParams(),
    );
  });
});
