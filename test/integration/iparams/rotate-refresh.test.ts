/** Refresh on a credential refusal, against ssm-local and a real verifier: a secret changed on both sides works
 *  before the cache TTL, at most one retry per call, a customer refusing everything cannot make us hammer SSM;
 *  and the audit trail of a whole installation's life holds no value. */
import { installAcme, SECRET_V1, SECRET_V2, SECRET_V3, startRotationStack, type Mode, type RotationStack } from './rotate-stack.js';

let stack: RotationStack;
beforeEach(async () => {
  stack = await startRotationStack();
});
afterEach(() => stack.close());

describe.each<Mode>(['jwt', 'shared-secret'])('refresh on a credential refusal, %s mode', (mode) => {
  it('makes a secret changed on both sides work before the TTL, with one retry and one extra SSM read', async () => {
    // Prepare
    await installAcme(stack);
    stack.customer.configure(mode, [SECRET_V1]);
    expect((await stack.call(mode, 0)).ok).toBe(true);
    const readsBefore = stack.functionReads();
    // Act: both sides switch with no overlap; the function's cache (60 s) still holds the old secret
    await stack.installer.set('acme', 'shared_secret', SECRET_V2);
    stack.customer.configure(mode, [SECRET_V2]);
    stack.clock.monoMs += 5_000;
    const requestsBefore = stack.customer.state.requests;
    const first = await stack.call(mode, 1);
    const firstRequests = stack.customer.state.requests - requestsBefore;
    const second = await stack.call(mode, 2);
    // Assess
    expect(first).toEqual({ ok: true, status: 200 });
    expect(second).toEqual({ ok: true, status: 200 });
    expect(firstRequests).toBe(2);
    expect(stack.customer.state.requests - requestsBefore).toBe(3); // the next call signs with the new secret at once
    expect(stack.functionReads() - readsBefore).toBe(1);
  });

  it('retries at most once per call when the customer refuses the fresh secret too', async () => {
    // Prepare
    await installAcme(stack);
    stack.customer.configure(mode, [SECRET_V1]);
    await stack.call(mode, 0);
    await stack.installer.set('acme', 'shared_secret', SECRET_V2);
    stack.customer.configure(mode, [SECRET_V3]);
    stack.clock.monoMs += 5_000;
    const before = stack.customer.state.requests;
    // Act
    const res = await stack.call(mode, 1);
    // Assess
    expect(res).toEqual({ ok: false, status: 401 });
    expect(stack.customer.state.requests - before).toBe(2);
  });

  it('reads SSM at most once per 5 s for a customer that refuses everything, however many calls are made', async () => {
    // Prepare
    await installAcme(stack);
    stack.customer.configure(mode, [SECRET_V3]);
    // Act
    const results = [];
    for (let i = 0; i < 50; i++) {
      results.push(await stack.call(mode, i));
      stack.clock.monoMs += 90; // 50 calls over 4.5 s
    }
    const readsIn5s = stack.functionReads();
    const requests = stack.customer.state.requests;
    stack.clock.monoMs += 500;
    await Promise.all(Array.from({ length: 20 }, (_, i) => stack.call(mode, 100 + i)));
    // Assess
    expect(results.every((r) => r.status === 401)).toBe(true);
    expect(readsIn5s).toBe(1); // the first read; every refresh inside the interval is served from the cache
    expect(requests).toBe(50); // nothing changed, so nothing was retried
    expect(stack.functionReads()).toBe(2);
    expect(stack.functionLines.join('\n')).not.toContain(SECRET_V1);
  });
});

describe('audit trail of install → set → rotate → uninstall against SSM', () => {
  it('has one event per operation, naming installation, parameter, actor, time and result, and no value', async () => {
    // Prepare
    await installAcme(stack);
    // Act
    await stack.installer.set('acme', 'shared_secret', SECRET_V2);
    await stack.installer.rotate('acme', 'shared_secret', SECRET_V3);
    await stack.installer.rotate('acme', 'notes', 'not secure').catch(() => undefined);
    await stack.installer.uninstall('acme');
    // Assess
    const events = stack.auditLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => [e.event, e.result, e.parameter ?? null])).toEqual([
      ['iparams.installed', 'ok', null],
      ['iparams.updated', 'ok', 'shared_secret'],
      ['iparams.rotated', 'ok', 'shared_secret'],
      ['iparams.rotated', 'failed', 'notes'],
      ['iparams.uninstalled', 'ok', null],
    ]);
    for (const e of events) {
      expect(e).toMatchObject({ audit: true, appId: 'order-lookup', installationId: 'acme', actor: 'rotation-test', at: expect.any(String) });
    }
    const text = stack.auditLines.join('\n');
    for (const value of [SECRET_V1, SECRET_V2, SECRET_V3, 'not secure']) expect(text).not.toContain(value);
  });
});
