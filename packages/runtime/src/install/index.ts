/**
 * The install page: a form rendered from `iparams.json`, served by one function of the app. The page is public
 * markup; reading and writing the installation needs the platform's session with the install scope, and a write
 * also the CSRF token. Validation is `validateIparamValues`, in the browser for feedback and here, through the
 * installer `tessera install` uses, to decide.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { InboundError, IparamValidationError } from '@tessera/protocol/errors';
import { assertKnownOptions, compileOriginAllowlist, isScopeToken } from '@tessera/protocol';
import type { IparamsSchema } from '@tessera/schema';
import { APP_INTERNALS, type App, type AppInternals, type LambdaHandler } from '../_internals.js';
import { readHeader } from '../inbound/index.js';
import { createInstaller } from '../iparams/index.js';
import { renderInstallPage, type InstallState } from './_page-html.js';
import { INSTALL_PAGE_SCRIPT } from './_page-script.generated.js';
import { INSTALL_PAGE_STYLE } from './_page-style.js';

/** Options of {@link defineInstallFunction}. */
export interface InstallFunctionOptions {
  /** The parsed `iparams.json` (validated by `tessera validate` at build time). Required. */
  iparams: unknown;
  /** Where the page is routed: the page at `path`, its parts at `path/page.js`, `path/page.css`, `path/state`. Default `/install`. */
  path?: string;
  /** Scopes the session must carry to read or write the installation. Default `['admin']`. */
  scopes?: readonly string[];
}

/** The default scope of the install page's session: an administrator of the installation. */
export const INSTALL_SCOPE = 'admin';
const OPTION_KEYS = new Set(['iparams', 'path', 'scopes']);
const PATH = /^\/[A-Za-z0-9._~/-]*[A-Za-z0-9._~-]$/;
const NAME = 'install';

/** Headers every answer carries: nothing is sniffed, cached or referred. */
const BASE_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', vary: 'Origin' } as const;

/**
 * No inline script or style, nothing from elsewhere; only the platform's origins may frame the page (CSP source
 * expressions take the manifest's `https://*.example.com` form as it is; the list is checked at cold start).
 */
function contentSecurityPolicy(origins: readonly string[]): string {
  return `default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors ${origins.join(' ')}`;
}

function checkSchema(raw: unknown): IparamsSchema {
  const ok =
    typeof raw === 'object' &&
    raw !== null &&
    Object.entries(raw).every(([k, f]) => k === '$schema' || (typeof f?.display_name === 'string' && typeof f?.type === 'string'));
  if (!ok) throw new TypeError('defineInstallFunction: option "iparams" must be the parsed iparams.json (run `tessera validate`)');
  const { $schema: _ignored, ...fields } = raw as Record<string, unknown>;
  return fields as IparamsSchema;
}

/** A value the browser may see: a secure one only as set or not. */
function stateOf(schema: IparamsSchema, values: Record<string, unknown> | undefined) {
  const shown: Record<string, unknown> = {};
  const secure: Record<string, boolean> = {};
  for (const [name, field] of Object.entries(schema)) {
    const value = values?.[name];
    if (field.secure === true) secure[name] = value !== undefined;
    else if (value !== undefined) shown[name] = value;
  }
  return { values: shown, secure };
}

/** The most a write's body may weigh: far above any iparams.json's values. */
const MAX_BODY_BYTES = 64 * 1024;

/** The values of a write, `{ "values": { … } }`. */
function valuesOf(parsed: unknown): Record<string, unknown> {
  const values = (parsed as { values?: unknown } | null)?.values;
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    throw new InboundError('ERR_BAD_REQUEST', { message: 'Request body must be {"values": {…}}' });
  }
  return values as Record<string, unknown>;
}

/** Field issues travel with the refusal, so the page shows each next to its field; they never hold a value. */
function refusalWithIssues(err: IparamValidationError, headers: Record<string, string>): APIGatewayProxyStructuredResultV2 {
  const body = { error: { code: err.code, message: 'Installation parameters are invalid', issues: err.issues } };
  return { statusCode: err.status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/**
 * The install page's function: `GET path` (the page), `GET path/page.js` and `path/page.css`, and `GET`/`POST
 * path/state`, which read and write the installation named by the session. Needs the manifest's `session` section
 * (the page never identifies an installation any other way) and the CSRF key (`TESSERA_CSRF_SECRET`).
 * @example
 * export const handler = defineInstallFunction(app, { iparams });
 */
export function defineInstallFunction<I extends object>(app: App<I>, options: InstallFunctionOptions): LambdaHandler {
  assertKnownOptions('defineInstallFunction', options, OPTION_KEYS);
  const found: AppInternals | undefined = app?.[APP_INTERNALS];
  if (!found) throw new TypeError('defineInstallFunction: the first argument must be an app from createApp');
  // Narrowed into consts: the route handlers below are function declarations, which TypeScript does not narrow into.
  const internals: AppInternals = found;
  const schema = checkSchema(options.iparams);
  const path = options.path ?? '/install';
  if (!PATH.test(path) || path.includes('//'))
    throw new TypeError('defineInstallFunction: option "path" must be an absolute path without a trailing slash');
  const scopes = [...(options.scopes ?? [INSTALL_SCOPE])];
  if (scopes.length === 0 || scopes.some((s) => !isScopeToken(s))) {
    throw new TypeError('defineInstallFunction: option "scopes" must be a non-empty list of scope names');
  }
  const { manifest, store, logger, sessionAuthenticator } = internals;
  if (!sessionAuthenticator)
    throw new TypeError('defineInstallFunction: manifest.json needs a session section: the page writes only for a platform session');
  const authenticate = sessionAuthenticator(scopes);
  // Checked at cold start: a page that cannot check its CSRF tokens must not serve.
  const csrf = internals.csrfGuard();
  const origins = manifest.cors?.allowedOrigins ?? [];
  // The same origins may frame the page and hand it its session: exact origins or one-label wildcards, never "*".
  const framing = compileOriginAllowlist(origins);
  if (typeof framing === 'string')
    throw new TypeError(`defineInstallFunction: manifest.json cors.allowedOrigins ${framing}: they are who may frame the page`);
  const html = renderInstallPage(
    { schema, platformOrigins: origins, statePath: `${path}/state` },
    { title: manifest.app.name ?? manifest.app.id, scriptPath: `${path}/page.js`, stylePath: `${path}/page.css` },
  );
  const csp = contentSecurityPolicy(origins);
  const asset = (type: string, body: string): APIGatewayProxyStructuredResultV2 => ({
    statusCode: 200,
    headers: { ...BASE_HEADERS, 'content-type': type, 'cache-control': 'no-cache', 'content-security-policy': csp },
    body,
  });
  const noStore = { ...BASE_HEADERS, 'cache-control': 'no-store' };

  async function state(event: APIGatewayProxyEventV2, method: string): Promise<APIGatewayProxyStructuredResultV2> {
    // Only the page itself reads or writes: a cross-site page holding a session would also need this header wrong.
    const site = readHeader(event, 'sec-fetch-site');
    if (site !== undefined && site !== 'same-origin') throw new InboundError('ERR_ORIGIN_NOT_ALLOWED');
    const caller = await authenticate(event);
    const { installationId } = caller;
    if (method === 'GET') {
      const stored = await store.get(manifest.app.id, installationId);
      const { token, setCookie } = csrf.issue(caller.csrfBinding);
      const body: InstallState = { installationId, installed: stored !== undefined, ...stateOf(schema, stored?.document.values), csrfToken: token };
      return { statusCode: 200, headers: { ...noStore, 'content-type': 'application/json', 'set-cookie': setCookie }, body: JSON.stringify(body) };
    }
    csrf.verify(event, caller.csrfBinding);
    const values = valuesOf(internals.readJsonBody(event, MAX_BODY_BYTES));
    const installer = createInstaller({ manifest, schema, store, logger, actor: caller.subject, now: () => new Date(internals.now()) });
    const created = !(await installer.exists(installationId));
    const { version } = created ? await installer.install(installationId, values) : await installer.update(installationId, values);
    return { statusCode: 200, headers: { ...noStore, 'content-type': 'application/json' }, body: JSON.stringify({ created, version }) };
  }

  return internals.answerWith(async (event) => {
    try {
      const method = event.requestContext.http.method.toUpperCase();
      const route = event.rawPath === path ? '' : event.rawPath.startsWith(`${path}/`) ? event.rawPath.slice(path.length) : undefined;
      if (route === '/state') {
        if (method !== 'GET' && method !== 'POST') throw new InboundError('ERR_METHOD_NOT_ALLOWED');
        return await state(event, method);
      }
      if (method !== 'GET' && method !== 'HEAD') throw new InboundError('ERR_METHOD_NOT_ALLOWED');
      if (route === '') return asset('text/html; charset=utf-8', html);
      if (route === '/page.js') return asset('text/javascript; charset=utf-8', INSTALL_PAGE_SCRIPT);
      if (route === '/page.css') return asset('text/css; charset=utf-8', INSTALL_PAGE_STYLE);
      throw new InboundError('ERR_NOT_FOUND');
    } catch (err) {
      if (err instanceof IparamValidationError && err.issues.length > 0) {
        logger.log('warn', 'function.refused', { function: NAME, code: err.code, fields: err.issues.map((i) => i.field) });
        return refusalWithIssues(err, noStore);
      }
      return internals.fail(NAME, err, noStore);
    }
  });
}
