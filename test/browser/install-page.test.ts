/**
 * The install page in a real browser (Debian Chromium through playwright-core), framed by the dev platform as a
 * product embeds it: the functions under `tessera offline`, the values in ssm-local, read back through the CLI. A
 * hostile iparams.json and hostile stored values render as text and run nothing. Screenshots of the empty, invalid
 * and done states land in test-artifacts/.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { BrowserContext, Frame, Page } from 'playwright-core';
import { createApp } from '../../packages/runtime/src/index.js';
import { defineInstallFunction } from '../../packages/runtime/src/install/index.js';
import { SsmIparamStore } from '../../packages/runtime/src/iparams/index.js';
import { startDevPlatform, type DevPlatform } from '../../packages/offline/src/index.js';
import { silentLogger } from '../../packages/protocol/src/log.js';
import { cli } from '../helpers/cli.js';
import { startLocalSsm, type LocalSsm } from '../helpers/ssm.js';
import { serveLambda, type LambdaHttp } from './_lambda-http.js';
import { launchChromium, screenshot, type Chromium } from './_chromium.js';
import { OFFLINE_CREDENTIALS, root, startStack, type Stack } from './_stack.js';

const INSTALL_VIEWPORT = { width: 900, height: 1500 };

jest.setTimeout(240_000);

// The callbacks below run in the page: the test's tsconfig has no DOM types.
// biome-ignore lint/suspicious/noExplicitAny: the page's own globals, typed by the browser
declare const document: any;

const ID = 'newco';
const SECRET = 'Browser_Install_Secret_0123456789abcdefghijklmn';
const OFFLINE_ENV = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'offline', AWS_SECRET_ACCESS_KEY: 'offline' };

interface Opened {
  page: Page;
  frame: Frame;
  dialogs: string[];
  console: string[];
  requests: string[];
}

/** The dev platform's /install, with the app's page framed in it, once the page has read its state. */
async function open(context: BrowserContext, platformUrl: string, viewport?: { width: number; height: number }): Promise<Opened> {
  const page = await context.newPage();
  if (viewport) await page.setViewportSize(viewport);
  const opened = { page, dialogs: [] as string[], console: [] as string[], requests: [] as string[] };
  page.on('dialog', (d) => {
    opened.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('console', (m) => opened.console.push(m.text()));
  page.on('request', (r) => opened.requests.push(r.url()));
  await page.goto(`${platformUrl}/install`);
  const frame = (await (await page.waitForSelector('#install')).contentFrame()) as Frame;
  await frame.waitForSelector('#save:not([disabled])', { timeout: 30_000 });
  return { ...opened, frame };
}

const visibleErrors = (frame: Frame) => frame.$$eval('.error:not([hidden])', (els) => els.map((e) => [e.id, e.textContent ?? ''] as const));
const activeId = (frame: Frame) => frame.evaluate(() => document.activeElement?.id ?? '');

describe('install page in Chromium, under tessera offline', () => {
  let stack: Stack;
  let browser: Chromium;
  let context: BrowserContext;
  let store: SsmIparamStore;
  const stored = async () => (await store.get('order-lookup', ID))?.document.values;

  beforeAll(async () => {
    stack = await startStack({ installationId: ID, install: false });
    store = new SsmIparamStore({ client: new SSMClient({ endpoint: stack.ssmUrl, region: 'us-east-1', credentials: OFFLINE_CREDENTIALS }) });
    browser = await launchChromium(INSTALL_VIEWPORT);
    ({ context } = browser);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('shows an error once a field is left, one message per wrong field on submit with a focused summary, and stores nothing', async () => {
    // Prepare
    const { page, frame, dialogs } = await open(context, stack.platform.url);
    expect(await frame.textContent('#status')).toContain(`Installation ${ID} is not installed yet`);
    await screenshot(page, 'install-page-empty.png');
    // Act: one field left with a wrong value, then the whole form submitted with four
    await frame.fill('#f-support_email', 'nobody@');
    await frame.press('#f-support_email', 'Tab');
    const afterLeaving = await visibleErrors(frame);
    await frame.fill('#f-server_url', 'not a url');
    await frame.fill('#f-shared_secret', 'short');
    await frame.fill('#f-order_prefix', 'abc');
    await frame.click('#save');
    await frame.waitForSelector('#summary:not([hidden])');
    // Assess
    expect(afterLeaving).toEqual([['f-support_email-err', 'Support contact must be a valid email address']]);
    expect(await visibleErrors(frame)).toEqual([
      ['f-server_url-err', 'Order server URL must be an https:// or http:// URL'],
      ['f-shared_secret-err', 'Shared secret must be at least 43 base64url characters (32 bytes)'],
      ['f-support_email-err', 'Support contact must be a valid email address'],
      ['f-order_prefix-err', 'Order number prefix must be up to six capital letters, optionally followed by a dash'],
    ]);
    for (const name of ['server_url', 'shared_secret', 'support_email', 'order_prefix']) {
      expect(await frame.getAttribute(`#f-${name}`, 'aria-invalid')).toBe('true');
      expect(await frame.getAttribute(`#f-${name}`, 'aria-describedby')).toContain(`f-${name}-err`);
    }
    expect(await frame.getAttribute('#f-auth_mode', 'aria-invalid')).toBe('false');
    expect(await activeId(frame)).toBe('summary');
    expect(await frame.textContent('#summary-title')).toBe('4 fields need a fix');
    expect(await frame.$$eval('#summary-list a', (as) => as.map((a) => a.getAttribute('href')))).toEqual([
      '#f-server_url',
      '#f-shared_secret',
      '#f-support_email',
      '#f-order_prefix',
    ]);
    expect(await stored()).toBeUndefined();
    expect(dialogs).toEqual([]);
    await screenshot(page, 'install-page-invalid.png');
    await page.close();
  });

  it('stores the corrected values, the CLI reads the secure field back only as "set", and the secret is printed nowhere', async () => {
    // Prepare
    const { page, frame } = await open(context, stack.platform.url);
    await frame.fill('#f-server_url', 'https://acme.orders.example.com');
    await frame.fill('#f-shared_secret', SECRET);
    await frame.fill('#f-support_email', 'ops@acme.example.com');
    await frame.fill('#f-order_prefix', 'INV-');
    // Act
    await frame.click('#save');
    await frame.waitForSelector('#done:not([hidden])', { timeout: 30_000 });
    // Assess
    expect(await frame.textContent('#done-text')).toBe(`Installed ${ID} (version 1).`);
    expect(await activeId(frame)).toBe('done');
    expect(await stored()).toEqual({
      server_url: 'https://acme.orders.example.com',
      shared_secret: SECRET,
      auth_mode: 'jwt',
      support_email: 'ops@acme.example.com',
      order_prefix: 'INV-',
    });
    // The CLI runs in this process, and the SDK reads its endpoint and credentials from the process environment.
    const saved = { ...process.env };
    Object.assign(process.env, OFFLINE_ENV, { AWS_ENDPOINT_URL_SSM: stack.ssmUrl });
    const shown = await cli(['iparams', 'show', ID], { cwd: stack.projectDir, env: process.env }).finally(() => {
      for (const name of [...Object.keys(OFFLINE_ENV), 'AWS_ENDPOINT_URL_SSM']) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/shared_secret\s+set/);
    expect(shown.stdout).toMatch(/order_prefix\s+"INV-"/);
    expect(shown.stdout + shown.stderr).not.toContain(SECRET);
    expect(stack.output()).not.toContain(SECRET);
    await screenshot(page, 'install-page-done.png');
    await page.close();
  });

  it('updates a non-secure field with the secure one left blank: the stored secret is unchanged', async () => {
    // Prepare
    const { frame } = await open(context, stack.platform.url);
    expect(await frame.inputValue('#f-order_prefix')).toBe('INV-');
    expect(await frame.inputValue('#f-shared_secret')).toBe('');
    expect(await frame.getAttribute('#f-shared_secret', 'placeholder')).toBe('Leave empty to keep the stored value');
    expect(await frame.isVisible('#blank-note')).toBe(true);
    const html = await frame.content();
    expect(html).not.toContain(SECRET);
    // Act
    await frame.fill('#f-order_prefix', 'UPD-');
    await frame.click('#save');
    await frame.waitForSelector('#done:not([hidden])', { timeout: 30_000 });
    // Assess
    expect(await frame.textContent('#done-text')).toBe(`Updated ${ID} (version 2).`);
    expect(await stored()).toMatchObject({ shared_secret: SECRET, order_prefix: 'UPD-' });
    await frame.page().close();
  });

  it('is completed with the keyboard alone, through a refusal and its summary link', async () => {
    // Prepare: a new installation
    await store.delete('order-lookup', ID);
    const { page, frame } = await open(context, stack.platform.url);
    // Act: Tab into the frame's first field, then type and Tab only
    for (let i = 0; i < 6 && (await activeId(frame)) !== 'f-server_url'; i++) await page.keyboard.press('Tab');
    expect(await activeId(frame)).toBe('f-server_url');
    await page.keyboard.type('https://kb.orders.example.com');
    await page.keyboard.press('Tab'); // shared secret: left empty for now
    await page.keyboard.press('Tab'); // auth mode
    await page.keyboard.press('ArrowDown'); // shared-secret
    await page.keyboard.press('Tab'); // support email
    await page.keyboard.press('Tab'); // order prefix (default kept)
    await page.keyboard.press('Tab'); // basic password (optional)
    await page.keyboard.press('Tab'); // Save
    expect(await activeId(frame)).toBe('save');
    await page.keyboard.press('Enter');
    await frame.waitForSelector('#summary:not([hidden])');
    expect(await activeId(frame)).toBe('summary');
    await page.keyboard.press('Tab'); // the summary's one link
    await page.keyboard.press('Enter'); // moves to the field
    expect(await activeId(frame)).toBe('f-shared_secret');
    await page.keyboard.type(SECRET);
    await page.keyboard.press('Enter'); // implicit submission from the field
    await frame.waitForSelector('#done:not([hidden])', { timeout: 30_000 });
    // Assess
    expect(await stored()).toEqual({
      server_url: 'https://kb.orders.example.com',
      shared_secret: SECRET,
      auth_mode: 'shared-secret',
      order_prefix: 'ORD-',
    });
    await page.close();
  });

  it('is readable on a 375 px wide screen: nothing wider than the viewport', async () => {
    const { page, frame } = await open(context, stack.platform.url, { width: 375, height: 900 });
    const overflow = await frame.evaluate(() => ({
      page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      widest: Math.max(...[...document.querySelectorAll('input, select, textarea, button, p, label')].map((e) => e.getBoundingClientRect().right)),
      width: document.documentElement.clientWidth,
    }));
    expect(overflow.page).toBeLessThanOrEqual(0);
    expect(overflow.widest).toBeLessThanOrEqual(overflow.width);
    await screenshot(page, 'install-page-375px.png');
    await page.close();
  });
});

describe('install page in Chromium, with a hostile iparams.json and hostile stored values', () => {
  let ssm: LocalSsm;
  let platform: DevPlatform;
  let fn: LambdaHttp;
  let attacker: Server;
  let attackerUrl: string;
  const hits: string[] = [];
  let browser: Chromium;
  let context: BrowserContext;
  let schema: Record<
    string,
    { display_name: string; description?: string; options?: string[]; regex_error_message?: string; default_value?: unknown }
  >;
  const HOSTILE_VALUES = {
    server_url: 'https://acme.orders.example.com/?q="><script>alert(10)</script>',
    shared_secret: SECRET,
    region: 'eu"><script>alert(4)</script>',
    channels: ['</label><script>alert(7)</script>'],
    notes: '</textarea><img src=x onerror=alert(11)>',
    prefix: '"><svg onload=alert(12)>',
  };

  beforeAll(async () => {
    attacker = createServer((req, res) => {
      hits.push(String(req.url));
      res.end('');
    });
    await new Promise<void>((done) => attacker.listen(0, '127.0.0.1', () => done()));
    attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
    schema = JSON.parse(readFileSync(join(root, 'test/fixtures/install-page/hostile.iparams.json'), 'utf8').replaceAll('__ATTACKER__', attackerUrl));
    ssm = await startLocalSsm();
    const store = new SsmIparamStore({ client: ssm.client().client });
    // The handler is known once the platform is, and the platform needs the function's URL first.
    let handler: ReturnType<typeof defineInstallFunction> | undefined;
    fn = await serveLambda((event) => handler!(event));
    platform = await startDevPlatform({ port: 0, appId: 'order-lookup', installationId: 'acme', functionsUrl: fn.url, logger: silentLogger });
    const example = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8'));
    const { basic: _basic, ...manifest } = example;
    const app = createApp({
      manifest: {
        ...manifest,
        session: { jwksUrl: platform.jwksUrl, issuer: platform.url },
        cors: { ...example.cors, allowedOrigins: [platform.url] },
      },
      offline: true,
      store,
      csrfSecret: 'csrf-key-for-the-hostile-install-page-0123456789',
      logger: silentLogger,
      env: {},
    });
    handler = defineInstallFunction(app, { iparams: schema });
    await createAppInstallation(store);
    browser = await launchChromium(INSTALL_VIEWPORT);
    ({ context } = browser);
  });
  afterAll(async () => {
    await browser?.close();
    await platform?.close();
    await fn?.close();
    await ssm?.stop();
    await new Promise((done) => attacker?.close(done));
  });

  async function createAppInstallation(store: SsmIparamStore): Promise<void> {
    const { createInstaller } = await import('../../packages/runtime/src/iparams/index.js');
    const example = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8'));
    await createInstaller({ manifest: example, schema: schema as never, store, logger: silentLogger, actor: 'test' }).install('acme', HOSTILE_VALUES);
  }

  it('renders every hostile text as text: no element, dialog, request or CSP violation comes of it', async () => {
    // Act
    const { page, frame, dialogs, console: messages, requests } = await open(context, platform.url);
    await frame.fill('#f-shared_secret', 'short');
    await frame.click('#save');
    await frame.waitForSelector('#summary:not([hidden])');
    await page.waitForTimeout(500); // a stray onerror or fetch would have fired by now
    // Assess: the markup arrived as the characters it is made of
    const seen = await frame.evaluate(() => ({
      foreign: document.querySelectorAll('img, svg, b, iframe, object, embed').length,
      scripts: [...document.scripts].map((s) => s.getAttribute('src') ?? s.type),
      labels: [...document.querySelectorAll('label, legend')].map((l) => l.textContent),
      description: document.querySelector('#f-server_url-desc')?.textContent,
      options: [...document.querySelectorAll('#f-region option')].map((o: { value: string }) => o.value),
      values: {
        server_url: document.querySelector('#f-server_url').value,
        region: document.querySelector('#f-region').value,
        notes: document.querySelector('#f-notes').value,
        prefix: document.querySelector('#f-prefix').value,
        channels: [...document.querySelectorAll('input[name="channels"]:checked')].map((c: { value: string }) => c.value),
      },
      error: document.querySelector('#f-shared_secret-err')?.textContent,
    }));
    expect(seen.foreign).toBe(0);
    expect(seen.scripts).toEqual(['application/json', '/install/page.js']);
    expect(seen.labels).toEqual(
      expect.arrayContaining([`${schema.server_url!.display_name} (required)`, `${schema.shared_secret!.display_name} (required)`]),
    );
    expect(seen.description).toBe(schema.server_url!.description);
    expect(seen.options).toEqual(['', ...(schema.region!.options as string[])]);
    expect(seen.values).toEqual({
      server_url: HOSTILE_VALUES.server_url,
      region: HOSTILE_VALUES.region,
      notes: HOSTILE_VALUES.notes,
      prefix: HOSTILE_VALUES.prefix,
      channels: HOSTILE_VALUES.channels,
    });
    expect(seen.error).toBe(`${schema.shared_secret!.display_name} ${schema.shared_secret!.regex_error_message}`);
    expect(dialogs).toEqual([]);
    expect(hits).toEqual([]);
    expect(requests.filter((u) => !u.startsWith(platform.url) && !u.startsWith(fn.url))).toEqual([]);
    expect(messages.filter((m) => /Content Security Policy/i.test(m))).toEqual([]);
    await page.close();
  });
});
