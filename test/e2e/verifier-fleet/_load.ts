/** A bounded autocannon load where every request carries its own request token and every answer is recorded by jti. */
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { bodyHash, normalizeHtu, type RequestClaims } from '@tessera/protocol';
import { createHs256Signer, newJti } from '@tessera/runtime/outbound';
import { seededRandom } from '../../helpers/seeded-random.js';

/** The one origin the whole fleet answers for, as behind a load balancer. */
export const PUBLIC_ORIGIN = 'https://orders.acme.test';
export const PATH = '/orders/1001';

/**
 * What a request was meant to test: a token's first use, a later use of an accepted one, the same fresh token sent to
 * the other server at once (a race), a token past its `exp`, or one signed with another secret.
 */
export type ShotKind = 'fresh' | 'replay' | 'race' | 'expired' | 'forged';

/** One request and its answer. Times are `performance.now()` milliseconds. */
export interface Shot {
  kind: ShotKind;
  jti: string;
  token: string;
  /** Index of the server in the load's port list. */
  target: number;
  sentAtMs: number;
  answeredAtMs?: number;
  status?: number;
  /** The refusal's `error.code`. */
  code?: string;
  /** A refusal's whole body, for the sweep for leaked tokens. */
  refusal?: string;
  retryAfter?: string;
}

/** Where each request's token comes from; told of every answer. */
export interface TokenSource {
  next(target: number): Shot;
  answered?(shot: Shot): void;
}

/**
 * Signs request tokens for {@link PATH} the way the app does (the runtime's HS256 signer); `forged` ones with a secret
 * the fleet does not hold, `expired` ones issued 90 s ago for 60 s.
 * @example
 * const mint = createMinter(secret);
 * const { jti, token } = mint('fresh');
 */
export function createMinter(
  secret: string,
  { nowSec = () => Math.floor(Date.now() / 1000) }: { nowSec?: () => number } = {},
): (kind: 'fresh' | 'expired' | 'forged', lifetimeSec?: number) => { jti: string; token: string } {
  const sign = createHs256Signer(secret);
  const forge = createHs256Signer(randomBytes(32).toString('base64url'));
  const htu = normalizeHtu(PUBLIC_ORIGIN + PATH);
  const bh = bodyHash(undefined);
  return (kind, lifetimeSec = 60) => {
    const iat = kind === 'expired' ? nowSec() - 90 : nowSec();
    const jti = newJti();
    const claims: RequestClaims = {
      iss: 'order-lookup',
      sub: 'acme',
      aud: PUBLIC_ORIGIN,
      iat,
      nbf: iat,
      exp: iat + lifetimeSec,
      jti,
      htm: 'GET',
      htu,
      bh,
    };
    return { jti, token: (kind === 'forged' ? forge : sign)(claims) };
  };
}

/** Shares of each kind of request in a {@link MixedTokens} load; the rest are fresh tokens. */
export interface MixShares {
  replay: number;
  race: number;
  expired: number;
  forged: number;
}

export const DEFAULT_SHARES: MixShares = { replay: 0.15, race: 0.05, expired: 0.05, forged: 0.05 };

/**
 * The mixed load: mostly fresh tokens; replays of tokens already accepted, sent to the other server half the time;
 * races (a fresh token queued for the other server too); expired and forged tokens. Seeded, so a failure replays.
 */
export class MixedTokens implements TokenSource {
  readonly shots: Shot[] = [];
  readonly #mint: ReturnType<typeof createMinter>;
  readonly #random: () => number;
  readonly #shares: MixShares;
  /** Tokens accepted at each server, for replays. */
  readonly #accepted: Shot[][] = [[], []];
  /** Fresh tokens waiting to be raced to each server. */
  readonly #races: Shot[][] = [[], []];

  constructor(mint: ReturnType<typeof createMinter>, { seed = 11, shares = DEFAULT_SHARES }: { seed?: number; shares?: MixShares } = {}) {
    this.#mint = mint;
    this.#random = seededRandom(seed);
    this.#shares = shares;
  }

  next(target: number): Shot {
    const other = 1 - target;
    const raced = this.#races[target]?.pop();
    if (raced) return this.#record({ ...raced, kind: 'race', target });
    let draw = this.#random();
    if ((draw -= this.#shares.replay) < 0) {
      const pool = this.#random() < 0.5 && this.#accepted[other]?.length ? this.#accepted[other] : this.#accepted[target];
      const earlier = pool?.[Math.floor(this.#random() * pool.length)];
      if (earlier) return this.#record({ kind: 'replay', jti: earlier.jti, token: earlier.token, target });
    }
    const kind = (draw -= this.#shares.expired) < 0 ? 'expired' : (draw -= this.#shares.forged) < 0 ? 'forged' : 'fresh';
    const shot = this.#record({ kind, ...this.#mint(kind), target });
    if (kind === 'fresh' && (draw -= this.#shares.race) < 0) this.#races[other]?.push(shot);
    return shot;
  }

  answered(shot: Shot): void {
    if (shot.status === 200) this.#accepted[shot.target]?.push(shot);
  }

  #record(shot: Omit<Shot, 'sentAtMs'>): Shot {
    const sent = { ...shot, sentAtMs: performance.now() };
    this.shots.push(sent);
    return sent;
  }
}

/**
 * Sends given tokens, each to every server: `tokens.length` requests per server.
 * @example
 * await runLoad(new QueuedTokens(accepted, 'replay'), { ports, requestsPerTarget: accepted.length });
 */
export class QueuedTokens implements TokenSource {
  readonly shots: Shot[] = [];
  readonly #queues: { jti: string; token: string }[][];
  readonly #kind: ShotKind;

  constructor(tokens: readonly { jti: string; token: string }[], kind: ShotKind, targets = 2) {
    this.#queues = Array.from({ length: targets }, () => [...tokens]);
    this.#kind = kind;
  }

  next(target: number): Shot {
    const entry = this.#queues[target]?.pop();
    if (!entry) throw new Error('QueuedTokens: more requests asked for than tokens queued');
    const shot: Shot = { kind: this.#kind, jti: entry.jti, token: entry.token, target, sentAtMs: performance.now() };
    this.shots.push(shot);
    return shot;
  }
}

/** What autocannon counted besides the answers: all zero on a run where every request was answered. */
export interface LoadRun {
  durationSec: number;
  requestsPerSec: number;
  errors: number;
  timeouts: number;
}

function record(shot: Shot, status: number, body: string, headers: Record<string, unknown> | undefined): void {
  shot.answeredAtMs = performance.now();
  shot.status = status;
  if (status !== 200) {
    shot.refusal = body;
    shot.code = (JSON.parse(body) as { error?: { code?: string } }).error?.code;
  }
  const retryAfter = headers?.['retry-after'] ?? headers?.['Retry-After'];
  if (typeof retryAfter === 'string') shot.retryAfter = retryAfter;
}

/**
 * Runs one autocannon instance per server, `requestsPerTarget` requests each over `connections` keep-alive
 * connections, every request taking its token from `source` (one request in flight per connection, so each answer
 * is matched to its token through autocannon's per-connection context).
 * @example
 * const mix = new MixedTokens(createMinter(secret));
 * await runLoad(mix, { ports: [first.port, second.port], requestsPerTarget: 1_500 });
 */
export async function runLoad(
  source: TokenSource,
  {
    ports,
    requestsPerTarget,
    connections = 8,
    onAnswer,
  }: { ports: number[]; requestsPerTarget: number; connections?: number; onAnswer?: (shot: Shot) => void },
): Promise<LoadRun> {
  const started = performance.now();
  // Timed to the last answer: autocannon itself ends a run on its once-a-second tick.
  let lastAnswerMs = started;
  let answers = 0;
  const results = await Promise.all(
    ports.map((port, target) =>
      autocannon({
        url: `http://127.0.0.1:${port}${PATH}`,
        connections: Math.min(connections, requestsPerTarget),
        amount: requestsPerTarget,
        requests: [
          {
            method: 'GET',
            setupRequest: (req, context) => {
              const shot = source.next(target);
              (context as { shot?: Shot }).shot = shot;
              return { ...req, headers: { authorization: `Bearer ${shot.token}` } };
            },
            onResponse: (status, body, context, headers) => {
              const shot = (context as { shot: Shot }).shot;
              record(shot, status, body, headers as Record<string, unknown> | undefined);
              lastAnswerMs = shot.answeredAtMs as number;
              answers++;
              source.answered?.(shot);
              onAnswer?.(shot);
            },
          },
        ],
      }),
    ),
  );
  const durationSec = (lastAnswerMs - started) / 1000;
  const sum = (pick: (r: autocannon.Result) => number) => results.reduce((n, r) => n + pick(r), 0);
  return { durationSec, requestsPerSec: answers / durationSec, errors: sum((r) => r.errors), timeouts: sum((r) => r.timeouts) };
}

/**
 * Answers counted by `status code` (`200`, `401 ERR_VERIFY_REPLAYED`, …), for assertions and the bench's table.
 * @example
 * countByAnswer(mix.shots) // { '200': 2100, '401 ERR_VERIFY_REPLAYED': 600, … }
 */
export function countByAnswer(shots: readonly Shot[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const shot of shots) {
    const key = shot.status === undefined ? 'unanswered' : shot.code ? `${shot.status} ${shot.code}` : String(shot.status);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** How many times each jti was accepted, over any number of runs. */
export function acceptancesByJti(...runs: (readonly Shot[])[]): Map<string, number> {
  const accepted = new Map<string, number>();
  for (const shots of runs) for (const shot of shots) if (shot.status === 200) accepted.set(shot.jti, (accepted.get(shot.jti) ?? 0) + 1);
  return accepted;
}
