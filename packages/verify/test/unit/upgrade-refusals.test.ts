/** The upgrade check's attack catalogue: every refusal with its code and status, no ticket in errors or logs. */
import { SignJWT } from 'jose';
import { ERROR_CODES, type TesseraErrorCode } from '../../../protocol/src/errors.js';
import { TOKEN_TYPE, WS_TICKET_TYPE } from '../../../protocol/src/index.js';
import { appKey, forgeSigned, type AppKey } from './_asymmetric-helpers.js';
import { APP_ID, CURRENT_SECRET, NOW_SEC, mintToken } from './_helpers.js';
import { FRONTEND, WS_ORIGIN, WS_PATH, mintTicket, ticketClaims, upgradeHeaders, upgradeVerifier } from './_ticket-helpers.js';

let es: AppKey;
beforeAll(() => {
  es = appKey('ES256', 'es-1');
});

const withTicket = async (ticket: string | Promise<string>) => `tessera.v1, tessera.ticket.${await ticket}`;

const noOrigin = Symbol('no origin');

interface Attack {
  name: string;
  code: TesseraErrorCode;
  /** The upgrade's Origin ({@link noOrigin}: none; default the allowed frontend) and subprotocols. */
  origin?: string | typeof noOrigin;
  protocols: () => Promise<string | undefined>;
  url?: () => Promise<string>;
  /** An ES256 verifier instead of HS256. */
  asymmetric?: true;
}

const ATTACKS: Attack[] = [
  { name: 'a foreign Origin', code: 'ERR_VERIFY_ORIGIN', origin: 'https://evil.example', protocols: () => withTicket(mintTicket()) },
  { name: 'no Origin', code: 'ERR_VERIFY_ORIGIN', origin: noOrigin, protocols: () => withTicket(mintTicket()) },
  { name: 'Origin "null"', code: 'ERR_VERIFY_ORIGIN', origin: 'null', protocols: () => withTicket(mintTicket()) },
  ...[
    'https://acme.helpdesk.example.com.evil.net',
    'https://helpdesk.example.com',
    'https://a.b.helpdesk.example.com',
    'http://acme.helpdesk.example.com',
    'https://ACME.helpdesk.example.com',
    'https://acme.helpdesk.example.com:443',
    'https://acme.helpdesk.example.com/',
    'https://acmehelpdesk.example.com',
  ].map((origin) => ({
    name: `the look-alike Origin ${origin}`,
    code: 'ERR_VERIFY_ORIGIN' as const,
    origin,
    protocols: () => withTicket(mintTicket()),
  })),
  { name: 'no Sec-WebSocket-Protocol', code: 'ERR_VERIFY_MISSING', protocols: async () => undefined },
  { name: 'no ticket among the subprotocols', code: 'ERR_VERIFY_MISSING', protocols: async () => 'tessera.v1' },
  {
    name: 'the ticket in the URL only',
    code: 'ERR_VERIFY_MISSING',
    protocols: async () => 'tessera.v1',
    url: async () => `${WS_PATH}&ticket=${await mintTicket()}`,
  },
  {
    name: 'the ticket before the application protocol',
    code: 'ERR_VERIFY_MALFORMED',
    protocols: async () => `tessera.ticket.${await mintTicket()}, tessera.v1`,
  },
  {
    name: 'two tickets',
    code: 'ERR_VERIFY_MALFORMED',
    protocols: async () => `tessera.v1, tessera.ticket.${await mintTicket()}, tessera.ticket.${await mintTicket()}`,
  },
  { name: 'no application protocol', code: 'ERR_VERIFY_MALFORMED', protocols: async () => `tessera.ticket.${await mintTicket()}` },
  {
    name: 'an application protocol the server does not speak',
    code: 'ERR_VERIFY_PROTOCOL',
    protocols: async () => `chat.v9, tessera.ticket.${await mintTicket()}`,
  },
  {
    name: 'an expired ticket',
    code: 'ERR_VERIFY_EXPIRED',
    protocols: () => withTicket(mintTicket({ claims: { iat: NOW_SEC - 90, nbf: NOW_SEC - 90, exp: NOW_SEC - 30 } })),
  },
  {
    name: 'a ticket not yet valid',
    code: 'ERR_VERIFY_NOT_YET_VALID',
    protocols: () => withTicket(mintTicket({ claims: { nbf: NOW_SEC + 60, exp: NOW_SEC + 90 } })),
  },
  {
    name: 'a ticket living longer than 60 s',
    code: 'ERR_VERIFY_LIFETIME',
    protocols: () => withTicket(mintTicket({ claims: { exp: NOW_SEC + 120 } })),
  },
  {
    name: 'a ticket for another server (aud)',
    code: 'ERR_VERIFY_AUDIENCE',
    protocols: () => withTicket(mintTicket({ claims: { aud: 'wss://evil.example' } })),
  },
  {
    name: 'a ticket for another path (htu)',
    code: 'ERR_VERIFY_BINDING',
    protocols: () => withTicket(mintTicket({ claims: { htu: `${WS_ORIGIN}/admin/live` } })),
  },
  {
    name: 'a ticket for another host (htu)',
    code: 'ERR_VERIFY_BINDING',
    protocols: () => withTicket(mintTicket({ claims: { htu: `wss://evil.example${WS_PATH}` } })),
  },
  {
    name: 'a ticket for another installation',
    code: 'ERR_VERIFY_INSTALLATION',
    protocols: () => withTicket(mintTicket({ claims: { sub: 'globex-2' } })),
  },
  { name: 'a ticket from another app', code: 'ERR_VERIFY_ISSUER', protocols: () => withTicket(mintTicket({ claims: { iss: 'other-app' } })) },
  {
    name: 'a ticket signed with another secret',
    code: 'ERR_VERIFY_SIGNATURE',
    protocols: () => withTicket(mintTicket({ secret: 'another-secret-0123456789abcdef0123456789abc' })),
  },
  {
    name: 'alg none',
    code: 'ERR_VERIFY_ALGORITHM',
    protocols: async () => {
      const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      return withTicket(`${b64({ alg: 'none', typ: WS_TICKET_TYPE })}.${b64(ticketClaims())}.`);
    },
  },
  {
    name: 'HS256 keyed with the public key (algorithm confusion)',
    code: 'ERR_VERIFY_ALGORITHM',
    asymmetric: true,
    protocols: async () =>
      withTicket(
        new SignJWT(ticketClaims())
          .setProtectedHeader({ alg: 'HS256', typ: WS_TICKET_TYPE, kid: es.kid })
          .sign(new TextEncoder().encode(JSON.stringify(es.jwk))),
      ),
  },
  { name: 'a request token presented as a ticket', code: 'ERR_VERIFY_MALFORMED', protocols: () => withTicket(mintToken()) },
  {
    name: 'a ticket typed as a request token',
    code: 'ERR_VERIFY_MALFORMED',
    protocols: () => withTicket(mintTicket({ header: { typ: TOKEN_TYPE } })),
  },
  {
    name: 'a platform session presented as a ticket',
    code: 'ERR_VERIFY_MALFORMED',
    protocols: () => withTicket(mintTicket({ header: { typ: 'tessera-session+jwt' } })),
  },
  {
    name: 'a ticket with no typ',
    code: 'ERR_VERIFY_MALFORMED',
    protocols: () => withTicket(forgeSigned(es, { alg: 'ES256', kid: es.kid }, ticketClaims())),
    asymmetric: true,
  },
  { name: 'a ticket without jti', code: 'ERR_VERIFY_MALFORMED', protocols: () => withTicket(mintTicket({ claims: { jti: undefined } })) },
];

describe('createUpgradeVerifier', () => {
  describe('refusals', () => {
    it.each(ATTACKS.map((a) => [a.name, a] as const))('refuses %s', async (_name, attack) => {
      // Prepare
      const { send, lines } = upgradeVerifier(attack.asymmetric ? { secrets: undefined, algorithms: ['ES256'], keys: [es.jwk] } : {});
      const protocols = await attack.protocols();
      const url = attack.url ? await attack.url() : WS_PATH;
      const origin = attack.origin === noOrigin ? null : (attack.origin ?? FRONTEND);

      // Act
      const err = await send(upgradeHeaders(protocols, origin), url).then(
        () => undefined,
        (e: unknown) => e as { code: string; status: number; message: string; reason: string },
      );

      // Assess
      expect(err).toMatchObject({ code: attack.code, status: ERROR_CODES[attack.code][0] });
      const refused = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === 'verify.upgrade_refused');
      expect(refused).toEqual([expect.objectContaining({ code: attack.code })]);
      // No ticket (nor its signature or claims segment), no secret, in the refusal or the log.
      const said = lines.join('\n') + JSON.stringify(err) + String(err?.message) + String(err?.reason);
      const tickets = `${protocols ?? ''} ${url}`.match(/[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*/g) ?? [];
      for (const ticket of tickets) for (const segment of ticket.split('.').filter((s) => s.length > 10)) expect(said).not.toContain(segment);
      expect(said).not.toContain(CURRENT_SECRET);
    });

    it('refuses a ticket used twice, and records only tickets that passed every check', async () => {
      // Prepare
      const { send } = upgradeVerifier();
      const ticket = await mintTicket();
      const forged = await mintTicket({ secret: 'another-secret-0123456789abcdef0123456789abc', claims: { jti: ticketClaims().jti } });
      await expect(send(upgradeHeaders(await withTicket(forged)))).rejects.toMatchObject({ code: 'ERR_VERIFY_SIGNATURE' });

      // Act
      const first = await send(upgradeHeaders(await withTicket(ticket)));
      const second = send(upgradeHeaders(await withTicket(ticket)));

      // Assess
      expect(first.installationId).toBe('acme-1');
      await expect(second).rejects.toMatchObject({ code: 'ERR_VERIFY_REPLAYED', status: 401 });
    });
  });

  describe('acceptance', () => {
    it.each([
      ['HS256', {}],
      ['ES256', { secrets: undefined, algorithms: ['ES256'] }],
    ] as const)('accepts a %s ticket and chooses the application protocol, never the ticket', async (alg, options) => {
      // Prepare
      const { send, lines } = upgradeVerifier(alg === 'ES256' ? { ...options, keys: [es.jwk] } : options);
      const ticket = alg === 'ES256' ? await mintTicket({ key: es }) : await mintTicket();

      // Act
      const verified = await send(upgradeHeaders(await withTicket(ticket)));

      // Assess
      expect(verified).toMatchObject({ installationId: 'acme-1', protocol: 'tessera.v1', user: 'user-42', claims: { iss: APP_ID, aud: WS_ORIGIN } });
      expect(lines).toEqual([]);
    });

    it("chooses the server's preferred protocol among several offered", async () => {
      const { send } = upgradeVerifier({ protocols: ['orders.v2', 'tessera.v1'] });
      const verified = await send(upgradeHeaders(`tessera.v1, orders.v2, tessera.ticket.${await mintTicket()}`));
      expect(verified.protocol).toBe('orders.v2');
    });

    it('accepts a missing Origin only when told to', async () => {
      const { send } = upgradeVerifier({ allowMissingOrigin: true });
      const verified = await send(upgradeHeaders(await withTicket(mintTicket()), null));
      expect(verified.installationId).toBe('acme-1');
    });
  });

  describe('options', () => {
    it.each([
      [{ allowedOrigins: ['*'] }, 'option "allowedOrigins" [0] must name origins'],
      [{ allowedOrigins: ['null'] }, 'option "allowedOrigins" [0] must name origins'],
      [{ allowedOrigins: [] }, 'option "allowedOrigins" must be a non-empty list'],
      [{ allowedOrigins: ['https://*.com'] }, 'option "allowedOrigins" [0] a wildcard needs at least two labels'],
      [{ publicOrigin: 'https://orders.acme.test' }, 'option "publicOrigin" must be wss://host[:port]'],
      [{ publicOrigin: 'wss://orders.acme.test/live' }, 'option "publicOrigin" must be scheme://host[:port] with no path'],
      [{ maxTicketAgeSec: 61 }, 'option "maxTicketAgeSec" must be a number of seconds from 1 to 60'],
      [{ protocols: ['tessera.ticket.x'] }, 'option "protocols" entry must be a token'],
      [{ secrets: undefined, algorithms: ['ES256'], jwksUrl: 'https://app.example.com/jwks.json', installationId: undefined }, 'installationId'],
      [{ secret: 'typo' }, 'unknown option "secret"'],
    ])('refuses %j at construction', (options, message) => {
      expect(() => upgradeVerifier(options as never)).toThrow(message);
      expect(() => upgradeVerifier(options as never)).toThrow(/^createUpgradeVerifier: /);
    });
  });
});
