/**
 * The install page's document and script as units: escaping for text, attributes and the JSON data block, a hostile
 * iparams.json rendered as text, and the served script equal to a fresh bundle with nothing of Node left in it.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { IparamsSchema } from '@tessera/schema';
import { escapeHtml, jsonForScriptElement, renderInstallPage } from '../../../packages/runtime/src/install/_page-html.js';

const root = resolve(__dirname, '../../..');
const PAGE = { title: 'Order lookup', scriptPath: '/install/page.js', stylePath: '/install/page.css' };
const HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)><!--';

describe('escapeHtml', () => {
  it.each([
    ['<b>', '&lt;b&gt;'],
    ['a & b', 'a &amp; b'],
    ['"quoted"', '&quot;quoted&quot;'],
    ["it's", 'it&#39;s'],
    [42, '42'],
  ])('escapes %p as %p', (input, expected) => {
    expect(escapeHtml(input)).toBe(expected);
  });
});

describe('jsonForScriptElement', () => {
  const tricky = { a: '</script><script>alert(1)</script>', b: '<!-- x', c: 'line\u2028sep\u2029end', d: 'a & b > c' };

  it('leaves no character that could end or bend a script element', () => {
    expect(jsonForScriptElement(tricky)).not.toMatch(/[<>&\u2028\u2029]/);
  });

  it('parses back to the same value', () => {
    expect(JSON.parse(jsonForScriptElement(tricky))).toEqual(tricky);
  });
});

describe('renderInstallPage', () => {
  const schema: IparamsSchema = {
    server_url: { display_name: HOSTILE, description: HOSTILE, type: 'text', required: true, default_value: HOSTILE },
    region: { display_name: 'Region', type: 'dropdown', options: [HOSTILE, 'eu'], default_value: 'eu' },
    api_key: { display_name: 'API key', type: 'text', secure: true, required: true },
  } as IparamsSchema;
  const html = renderInstallPage({ schema, platformOrigins: ['https://acme.helpdesk.example.com'], statePath: '/install/state' }, PAGE);

  it('renders hostile labels, descriptions, defaults and options as text only', () => {
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('onerror=alert(2)>');
    expect(html).toContain(escapeHtml(HOSTILE));
  });

  it('carries no inline script or style and no event handler attribute', () => {
    // Escaped text holds no `<`, so every match is a real tag; quoted values are data, not attributes.
    const tags = (html.match(/<[a-z][^>]*>/gi) ?? []).map((tag) => tag.replace(/"[^"]*"/g, '""'));
    expect(tags.length).toBeGreaterThan(20);
    for (const tag of tags) expect(tag).not.toMatch(/^<style|\sstyle=|\son[a-z]+=/i);
    const inline = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    for (const [, attributes, body] of inline) {
      if ((body ?? '').length > 0) expect(attributes).toContain('type="application/json"');
    }
  });

  it('never pre-fills a secure field', () => {
    const secure = html.match(/<input[^>]*id="f-api_key"[^>]*>/)?.[0];
    expect(secure).toContain('type="password"');
    expect(secure).not.toContain('value=');
  });

  it('describes each field for assistive technology', () => {
    expect(html).toMatch(/id="f-server_url"[^>]*aria-describedby="[^"]*f-server_url-desc[^"]*f-server_url-err/);
    expect(html).toContain('(required)');
  });
});

describe('the served script', () => {
  it('is the checked-in bundle of the browser source, with nothing of Node in it', async () => {
    const check = spawnSync(process.execPath, [join(root, 'scripts/build-install-page.mjs'), '--check'], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    const { INSTALL_PAGE_SCRIPT } = await import('../../../packages/runtime/src/install/_page-script.generated.js');
    expect(INSTALL_PAGE_SCRIPT).not.toMatch(/require\(|node:|process\.env|Buffer\./);
    expect(INSTALL_PAGE_SCRIPT).toContain('tessera:session-request');
  });
});
