/**
 * A hostile customer server against a real function (real SDK, ssm-local, real sockets): how long each refusal
 * takes against the configured timeout and a prompt answer of the same run, what the server managed to write
 * before the client closed, and the SSM reads a 401 storm costs against its bound.
 */
import { HOSTILE_MARKER, HUGE_BYTES, startHostileCustomer } from '../test/helpers/hostile-customer.js';
import { startLocalSsm } from '../test/helpers/ssm.js';
import { callEvent, callFunction, errorOf, install, MAX_RESPONSE_BYTES, TIMEOUT_MS } from '../test/integration/faults/customer-fixture.js';
import { fmt, median, table } from './_measure.js';

const ROUNDS = 5;
const STORM_CALLS = 500;
const STORM_STEP_MS = 500;
const REFRESH_MIN_INTERVAL_MS = 5_000;

const MIB = 1024 * 1024;
const bytesText = (bytes: number, mode: string): string =>
  `${bytes >= 100 * 1024 ? `${(bytes / MIB).toFixed(2)} MiB` : `${bytes} B`}${mode.startsWith('huge') ? ` of ${HUGE_BYTES / MIB} MiB` : ''}`;

export async function benchCustomerFaults(): Promise<Record<string, number>> {
  const ssm = await startLocalSsm();
  const hostile = await startHostileCustomer();
  const result: Record<string, number> = {};
  try {
    await install(ssm, hostile.origin, [hostile.host], 'jwt');
    const { fn, lines } = callFunction(ssm, [hostile.host]);
    await fn(callEvent('/warm-up'));
    const modes = [
      'prompt 404 (baseline)',
      'stall',
      'trickle-headers',
      'trickle-body',
      'huge',
      'huge-chunked',
      'gzip-bomb',
      'reset-headers',
      'reset-body',
    ];
    const paths: Record<string, string> = { 'prompt 404 (baseline)': '/not-found' };
    paths.redirect = `/redirect/302?to=${encodeURIComponent('https://elsewhere.example.net/')}`;
    modes.push('redirect');
    const times = new Map<string, number[]>(modes.map((m) => [m, []]));
    const codes = new Map<string, string>();
    const written = new Map<string, number>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of modes) {
        const before = hostile.requests.length;
        const start = performance.now();
        const res = await fn(callEvent(paths[mode] ?? `/${mode}`));
        times.get(mode)?.push(performance.now() - start);
        codes.set(mode, `${res.statusCode} ${errorOf(res).code ?? ''}`);
        if (String(res.body).includes(HOSTILE_MARKER)) throw new Error(`${mode}: the customer's body reached the answer`);
        const rec = hostile.requests[before];
        if (rec) {
          await rec.closed;
          written.set(mode, Math.max(written.get(mode) ?? 0, rec.bodyBytesWritten));
        }
      }
    }
    if (lines.some((l) => l.includes(HOSTILE_MARKER))) throw new Error("the customer's body reached a log line");
    const prompt = median(times.get('prompt 404 (baseline)') ?? []);
    table(
      `Hostile customer: each refusal, median of ${ROUNDS} (timeout ${TIMEOUT_MS} ms, response cap ${MAX_RESPONSE_BYTES / 1024} KiB)`,
      ['customer', 'answer', 'took', '÷ timeout', '× prompt answer', 'body bytes the server wrote'],
      modes.map((mode) => {
        const ms = median(times.get(mode) ?? []);
        result[`${mode}Ms`] = Number(ms.toFixed(1));
        result[`${mode}Written`] = written.get(mode) ?? 0;
        const bytes = written.get(mode) ?? 0;
        return [mode, codes.get(mode) ?? '', `${ms.toFixed(1)} ms`, (ms / TIMEOUT_MS).toFixed(2), fmt.x(ms / prompt), bytesText(bytes, mode)];
      }),
    );

    // A 401 storm on a clock the bench moves: every call refused, SSM reads bounded by the refresh interval.
    let nowMs = Date.parse('2026-12-01T00:00:00Z');
    const startMs = nowMs;
    const storm = callFunction(ssm, [hostile.host], () => nowMs);
    let refused = 0;
    for (let sent = 0; sent < STORM_CALLS; sent += 20) {
      const answers = await Promise.all(Array.from({ length: 20 }, () => storm.fn(callEvent('/unauthorized'))));
      refused += answers.filter((a) => errorOf(a).code === 'ERR_OUTBOUND_REFUSED').length;
      nowMs += STORM_STEP_MS;
    }
    const bound = 1 + Math.floor((nowMs - startMs) / REFRESH_MIN_INTERVAL_MS);
    table(
      `A 401 storm: ${STORM_CALLS} calls over ${(nowMs - startMs) / 1000} s of app time`,
      ['refused', 'SSM reads', 'bound (1 + window ÷ 5 s)'],
      [[refused, storm.reads(), bound]],
    );
    Object.assign(result, { stormRefused: refused, stormSsmReads: storm.reads(), stormBound: bound });
    return result;
  } finally {
    await hostile.close();
    await ssm.stop();
  }
}
