/** A shared-secret rotation under a stream of calls, against ssm-local and a real verifying customer server:
 *  no call fails across it, and after the grace window the old secret stops working on both sides. */
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { installationDocumentName } from '../../../packages/runtime/src/iparams/index.js';
import { APP_ID, installAcme, SECRET_V1, SECRET_V2, startRotationStack, TTL_MS, type Mode, type RotationStack } from './rotate-stack.js';

let stack: RotationStack;
beforeEach(async () => {
  stack = await startRotationStack();
});
afterEach(() => stack.close());

const GRACE_SEC = 3_600;
const MODES: Mode[] = ['jwt', 'shared-secret'];

/** Ten concurrent invocations, as a warm instance under load makes them. */
async function burst(mode: Mode, from: number) {
  return Promise.all(Array.from({ length: 10 }, (_, i) => stack.call(mode, from + i)));
}

function secretsIn(lines: string[]): boolean {
  const text = lines.join('\n');
  return text.includes(SECRET_V1) || text.includes(SECRET_V2);
}

describe.each(MODES)('rotation in %s mode', (mode) => {
  it("loses no call: before, during the customer's switch, inside the window and after it", async () => {
    // Prepare
    await installAcme(stack);
    stack.customer.configure(mode, [SECRET_V1]);
    const results = [...(await burst(mode, 0))];

    // Act 1: the operator rotates; the customer has not configured the new secret yet. Past the cache TTL the
    // function signs with the new one, is refused, and falls back to the previous one inside its window.
    const { previousUntil } = await stack.installer.rotate('acme', 'shared_secret', SECRET_V2, { graceSec: GRACE_SEC });
    results.push(...(await burst(mode, 10)));
    stack.clock.monoMs += TTL_MS;
    results.push(...(await burst(mode, 20)));
    const refusedBeforeSwitch = stack.customer.state.refused.length;

    // Act 2: the customer configures both, the previous one ending with the window.
    stack.customer.configure(mode, [SECRET_V2, { secret: SECRET_V1, notAfter: previousUntil }]);
    const before = stack.customer.state.requests;
    results.push(...(await burst(mode, 30)));
    const requestsWithBoth = stack.customer.state.requests - before;

    // Act 3: the window ends, on the customer's side and the function's.
    stack.clock.wallMs = Date.parse(previousUntil) + 1;
    stack.clock.monoMs += TTL_MS;
    results.push(...(await burst(mode, 40)));

    // Assess
    expect(results).toHaveLength(50);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(refusedBeforeSwitch).toBe(10); // each call signed with the new secret was refused once, then retried
    expect(requestsWithBoth).toBe(10); // once both are configured, no call needs a retry
    expect(stack.reader.previous('acme', 'shared_secret')).toBeUndefined();
    expect(secretsIn(stack.functionLines) || secretsIn(stack.customer.lines) || secretsIn(stack.auditLines)).toBe(false);
  });

  it('refuses the old secret after the window: the verifier closes it, and the next write drops it from SSM', async () => {
    // Prepare
    await installAcme(stack);
    const { previousUntil } = await stack.installer.rotate('acme', 'shared_secret', SECRET_V2, { graceSec: GRACE_SEC });
    stack.customer.configure(mode, [SECRET_V2, { secret: SECRET_V1, notAfter: previousUntil }]);
    const stale = stack.staleClient(mode, SECRET_V1);
    const inside = await stale.post('/orders', { n: 1 });

    // Act
    stack.clock.wallMs = Date.parse(previousUntil) + 1;
    const after = (await stale.post('/orders', { n: 2 }).catch((e: unknown) => e)) as { upstreamStatus: number; message: string };
    stack.customer.configure(mode, [SECRET_V2]);
    const newOnly = (await stale.post('/orders', { n: 3 }).catch((e: unknown) => e)) as { upstreamStatus: number };
    await stack.installer.set('acme', 'notes', 'a later write');
    const raw = await stack.ssm
      .client()
      .client.send(new GetParameterCommand({ Name: installationDocumentName(APP_ID, 'acme'), WithDecryption: true }));

    // Assess
    expect(inside.status).toBe(200);
    expect(after.upstreamStatus).toBe(401);
    expect(newOnly.upstreamStatus).toBe(401);
    const code = mode === 'jwt' ? 'ERR_VERIFY_SIGNATURE' : 'ERR_VERIFY_SECRET';
    expect(stack.customer.state.refused).toEqual([code, code]);
    expect(after.message).not.toContain(SECRET_V1);
    const doc = JSON.parse(String(raw.Parameter?.Value)) as { previous?: unknown; values: { shared_secret: string } };
    expect(doc.previous).toBeUndefined();
    expect(doc.values.shared_secret).toBe(SECRET_V2);
    expect(raw.Parameter?.Value).not.toContain(SECRET_V1);
    expect(secretsIn(stack.customer.lines)).toBe(false);
  });
});
