/**
 * The dev platform's installation page: it frames the app's install page (served by the app's install function) and
 * answers the page's session requests, as a product platform embedding the page would. Built in, no files.
 */
import escapeHtml from 'escape-html';
import type { PageResponse } from './_dev-platform-page.js';

const STYLE = `html,body{margin:0;height:100%;font:16px/1.5 system-ui,sans-serif}
header{padding:.5rem 1rem;background:#eef1f5;border-bottom:1px solid #ccd2da}
header h1{font-size:1rem;margin:0}header p{margin:0;font-size:.875rem;color:#4a5260}
iframe{display:block;width:100%;height:calc(100% - 4rem);border:0}`;

/** Hands a fresh install-scoped session to the framed page each time it asks, and to nothing else. */
const SCRIPT = `const frame = document.getElementById('install');
const appOrigin = new URL(frame.src).origin;
window.addEventListener('message', async (event) => {
  if (event.source !== frame.contentWindow || event.origin !== appOrigin) return;
  if (!event.data || event.data.type !== 'tessera:session-request') return;
  const res = await fetch('/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"purpose":"install"}' });
  if (!res.ok) return;
  const { token } = await res.json();
  frame.contentWindow.postMessage({ type: 'tessera:session', token }, appOrigin);
});
`;

function headers(type: string, functionsOrigin: string): Record<string, string> {
  return {
    'content-type': type,
    'content-security-policy': `default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; frame-src ${functionsOrigin}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}

/**
 * `/install`, `/install-host.js` and `/install-host.css`, or undefined for any other path.
 * @example
 * const page = installPage('/install', 'http://127.0.0.1:4000', 'demo');
 */
export function installPage(pathname: string, functionsOrigin: string, installationId: string): PageResponse | undefined {
  if (pathname === '/install-host.js') return { status: 200, headers: headers('text/javascript; charset=utf-8', functionsOrigin), body: SCRIPT };
  if (pathname === '/install-host.css') return { status: 200, headers: headers('text/css; charset=utf-8', functionsOrigin), body: STYLE };
  if (pathname !== '/install') return undefined;
  const body = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Install the app — Tessera dev platform</title>
<link rel="stylesheet" href="/install-host.css">
<script defer src="/install-host.js"></script>
</head>
<body>
<header><h1>Dev platform: installation ${escapeHtml(installationId)}</h1><p>The app's install page, framed as the product embeds it.</p></header>
<iframe id="install" title="Install the app" src="${escapeHtml(functionsOrigin)}/install"></iframe>
</body>
</html>
`;
  return { status: 200, headers: headers('text/html; charset=utf-8', functionsOrigin), body };
}
