/**
 * The product page in a real browser (Debian Chromium through playwright-core) against the real stack: the dev
 * platform's session, the functions under `serverless offline`, the customer server. A page on a disallowed origin
 * gets no data, and the function logs the refusal.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { startForeignOrigin, type ForeignOrigin } from './_foreign-origin.js';
import { launchChromium, screenshot, type Chromium } from './_chromium.js';
import { startStack, type Stack } from './_stack.js';

jest.setTimeout(240_000);

/** What the foreign page exposes (see _foreign-origin.ts); the test's tsconfig has no DOM types. */
type ForeignWindow = {
  ready?: boolean;
  tryCall: (url: string, token?: string) => Promise<unknown>;
  tryLive: (url: string, protocols: string[]) => Promise<'open' | 'refused'>;
};

type CallOutcome = { outcome: 'rejected'; name: string } | { outcome: 'read'; status: number; body: string };

/**
 * The function refuses without `Access-Control-Allow-Origin`, so the browser's fetch rejects and the page reads
 * nothing. `tessera offline`'s proxy gives the browser the function's own CORS answer, as API Gateway does (bare
 * serverless-offline 14 would reflect any Origin: dherault/serverless-offline#1213).
 */
function expectNoOrderData(result: CallOutcome): void {
  expect(result).toEqual({ outcome: 'rejected', name: 'TypeError' });
}

/** Polls a condition instead of sleeping; the output of a child process arrives when it arrives. */
async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

describe('product page in Chromium', () => {
  let stack: Stack;
  let foreign: ForeignOrigin;
  let browser: Chromium;
  let context: BrowserContext;

  beforeAll(async () => {
    stack = await startStack();
    foreign = await startForeignOrigin();
    browser = await launchChromium();
    ({ context } = browser);
  });
  afterAll(async () => {
    await browser?.close();
    await foreign?.close();
    await stack?.stop();
  });

  async function openProductPage(): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${stack.platform.url}/`);
    return page;
  }

  it('shows order 1001 after "Look up"', async () => {
    // Prepare
    const page = await openProductPage();
    await page.fill('#order-id', '1001');
    // Act
    await page.click('#look-up');
    await page.locator('#order').waitFor({ state: 'visible', timeout: 30_000 });
    // Assess
    expect(await page.textContent('#order-field-id')).toBe('1001');
    expect(await page.textContent('#order-field-status')).toBe('shipped');
    expect(await page.textContent('#order-field-total')).toMatch(/\d/);
    expect(await page.isHidden('#error')).toBe(true);
    await screenshot(page, 'product-page.png');
    await page.close();
  });

  it('adds a note and shows it on the order', async () => {
    // Prepare
    const page = await openProductPage();
    await page.fill('#order-id', '1002');
    await page.click('#look-up');
    await page.locator('#order').waitFor({ state: 'visible', timeout: 30_000 });
    const calls: string[] = [];
    page.on('request', (req) => calls.push(`${req.method()} ${new URL(req.url()).pathname}`));
    // Act
    await page.fill('#note-text', 'Called from the browser test');
    await page.click('#add-note');
    // Assess: addNote is csrf: true, so the client fetched a token and the browser kept its __Host- cookie
    await page.locator('#order-notes li', { hasText: 'Called from the browser test' }).waitFor({ timeout: 30_000 });
    expect(calls.filter((c) => !c.startsWith('OPTIONS'))).toEqual(expect.arrayContaining(['POST /addNote', 'GET /csrf']));
    const cookie = (await context.cookies(stack.functionsUrl)).find((c) => c.name === '__Host-tessera-csrf');
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    await page.close();
  });

  it('shows an unknown order as an error with its code', async () => {
    // Prepare
    const page = await openProductPage();
    await page.fill('#order-id', '9999');
    // Act
    await page.click('#look-up');
    await page.locator('#error').waitFor({ state: 'visible', timeout: 30_000 });
    // Assess
    expect(await page.textContent('#error-code')).toBe('ORDER_NOT_FOUND');
    await page.close();
  });

  it('gives a page on a disallowed origin no order data, with or without a session, and the function logs the refusal', async () => {
    // Prepare: even a stolen, valid session token must not help another origin.
    const token = ((await (await fetch(`${stack.platform.url}/session`, { method: 'POST' })).json()) as { token: string }).token;
    const page = await context.newPage();
    await page.goto(`${foreign.url}/`);
    await page.waitForFunction(() => (globalThis as unknown as ForeignWindow).ready === true);
    // Act
    const plain = await page.evaluate(([url]) => (globalThis as unknown as ForeignWindow).tryCall(url!), [stack.functionsUrl]);
    const withToken = await page.evaluate(([url, t]) => (globalThis as unknown as ForeignWindow).tryCall(url!, t!), [stack.functionsUrl, token]);
    // Assess
    expectNoOrderData(plain as CallOutcome);
    expectNoOrderData(withToken as CallOutcome);
    const logged = await eventually(() => /"code":"ERR_ORIGIN_NOT_ALLOWED"/.test(stack.output()), 10_000);
    expect(logged).toBe(true);
    expect(stack.output()).not.toContain(token);
    expect(stack.output()).not.toContain(stack.secret);
    await page.close();
  });

  it('refuses to hand a session to a page on another origin', async () => {
    // Prepare
    const page = await context.newPage();
    await page.goto(`${foreign.url}/`);
    // Act
    const outcome = await page.evaluate(async (platformUrl) => {
      try {
        const res = await fetch(`${platformUrl}/session`, { method: 'POST' });
        return { outcome: 'read', status: res.status };
      } catch (err) {
        return { outcome: 'rejected', name: (err as Error).name };
      }
    }, stack.platform.url);
    // Assess: the platform answers 403 without CORS headers, so the browser exposes nothing.
    expect(outcome).toEqual({ outcome: 'rejected', name: 'TypeError' });
    await page.close();
  });

  it('follows the order live: a status change on the customer server reaches the page, the ticket in no URL', async () => {
    // Prepare
    const page = await openProductPage();
    const urls: string[] = [];
    page.on('request', (req) => urls.push(req.url()));
    page.on('websocket', (ws) => urls.push(ws.url()));
    await page.fill('#order-id', '1003');
    await page.click('#look-up');
    await page.locator('#live', { hasText: /^live$/ }).waitFor({ timeout: 30_000 });
    // Act
    stack.customer.setStatus('1003', 'returned');
    // Assess
    await page.locator('#order-field-status', { hasText: 'returned' }).waitFor({ timeout: 10_000 });
    expect(urls.some((u) => u.startsWith('ws://') && u.includes('/orders/live?order=1003'))).toBe(true);
    expect(urls.some((u) => u.endsWith('/liveTicket'))).toBe(true);
    for (const url of urls) expect(url).not.toMatch(/ticket\.|eyJ[\w-]+\./);
    expect(stack.customer.subscribers()).toBeGreaterThanOrEqual(1);
    await page.close();
  });

  it('refuses the live feed to a page on another origin, even with a freshly minted ticket', async () => {
    // Prepare: a real ticket, minted by the function for a real session
    const { token } = (await (await fetch(`${stack.platform.url}/session`, { method: 'POST' })).json()) as { token: string };
    const res = await fetch(`${stack.functionsUrl}/liveTicket`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ orderId: '1001' }),
    });
    const ticket = (await res.json()) as { url: string; protocols: string[] };
    const page = await context.newPage();
    await page.goto(`${foreign.url}/`);
    await page.waitForFunction(() => (globalThis as unknown as ForeignWindow).ready === true);
    const before = stack.customer.subscribers();
    // Act
    const outcome = await page.evaluate(
      ([url, protocols]) => (globalThis as unknown as ForeignWindow).tryLive(url as string, protocols as string[]),
      [ticket.url, ticket.protocols] as const,
    );
    // Assess
    expect(res.status).toBe(200);
    expect(outcome).toBe('refused');
    expect(stack.customer.subscribers()).toBe(before);
    await page.close();
  });
});
