/** Manifest rules beyond JSON Schema, and the cross-checks of the manifest against iparams.json. */
import { runJsonSchema } from './_ajv.js';
import { IPARAM_NAME_PATTERN } from './iparams-schema.js';
import { AUTH_MODES, CSRF_ROUTE_NAME } from './manifest-schema.js';
import { parseIparamsTemplate } from './parse-iparams-template.js';
import type { ConfigIssue, IparamsSchema, Manifest } from './types.js';

// Framing and routing headers: a secret sent in one of them would break the request or be dropped by a proxy.
const RESERVED_HEADERS = new Set(['host', 'content-length', 'content-type', 'transfer-encoding', 'connection', 'te', 'upgrade']);

/** Host part of an allowedHosts entry, and whether it is a wildcard. */
function splitHostPattern(pattern: string): { wildcard: boolean; host: string; port?: number } {
  const m = /^(\*\.)?([^:]+)(?::(\d+))?$/.exec(pattern);
  if (!m) return { wildcard: false, host: pattern };
  return { wildcard: m[1] !== undefined, host: m[2] as string, ...(m[3] ? { port: Number(m[3]) } : {}) };
}

function hostCovered(hostname: string, patterns: string[]): boolean {
  return patterns.some((p) => {
    const { wildcard, host } = splitHostPattern(p);
    if (!wildcard) return hostname === host;
    // Exactly one leading label (DESIGN.md, "wildcard origins").
    const dot = hostname.indexOf('.');
    return dot > 0 && hostname.slice(dot + 1) === host;
  });
}

/**
 * The manifest rules JSON Schema cannot say, plus the cross-checks against iparams when `iparams` is given.
 * Defensive about shape: it also runs on a manifest that failed the schema, to report everything at once.
 */
function manifestCodeIssues(m: Manifest, iparams: IparamsSchema | undefined, file: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const add = (field: string, rule: string): void => {
    issues.push({ file, field, rule });
  };
  const { customer } = m;
  const hosts = Array.isArray(customer.allowedHosts) ? customer.allowedHosts.filter((h) => typeof h === 'string') : [];
  hosts.forEach((entry, i) => {
    const { wildcard, host, port } = splitHostPattern(entry);
    if (port !== undefined && port > 65535) add(`/customer/allowedHosts/${i}`, 'port must be at most 65535');
    if (wildcard && !host.includes('.')) {
      add(`/customer/allowedHosts/${i}`, 'a wildcard must be followed by at least two labels, as in *.example.com');
    }
  });

  const baseUrl = typeof customer.baseUrl === 'string' ? customer.baseUrl : undefined;
  const baseTemplate = baseUrl === undefined ? undefined : parseIparamsTemplate(baseUrl);
  if (baseUrl?.startsWith('https://') && !baseTemplate) {
    let url: URL | undefined;
    try {
      url = new URL(baseUrl);
    } catch {
      add('/customer/baseUrl', 'must be a valid https:// URL');
    }
    if (url && hosts.length > 0 && !hostCovered(url.hostname, hosts)) {
      add('/customer/baseUrl', 'its host must be covered by customer.allowedHosts');
    }
  }

  const functions = typeof m.functions === 'object' && m.functions !== null ? Object.entries(m.functions) : [];
  // The built-in `GET /csrf` route owns that path.
  if (functions.some(([name]) => name === CSRF_ROUTE_NAME)) add(`/functions/${CSRF_ROUTE_NAME}`, 'is reserved for the CSRF token route');
  const basicUsed = functions.some(([, f]) => Array.isArray(f?.credentials) && f.credentials.includes('basic'));
  if (basicUsed && typeof m.basic !== 'object') add('/basic', 'is required when a function accepts "basic" credentials');

  const auth = typeof customer.auth === 'object' && customer.auth !== null ? customer.auth : undefined;
  if (typeof auth?.header === 'string' && RESERVED_HEADERS.has(auth.header.toLowerCase())) {
    add('/customer/auth/header', 'must not be a header that frames or routes the request');
  }
  if (!iparams) return issues;

  const lookup = (name: string) => (Object.hasOwn(iparams, name) ? iparams[name] : undefined);
  const undeclared = (name: string) => `refers to iparam "${name}", which iparams.json does not declare`;

  if (baseTemplate) {
    const name = baseTemplate.iparam;
    const field = lookup(name);
    if (!field) add('/customer/baseUrl', undeclared(name));
    else if (field.type !== 'url') add('/customer/baseUrl', `must refer to an iparam of type url ("${name}" is ${field.type})`);
    else if (field.required !== true && field.default_value === undefined) {
      add('/customer/baseUrl', `must refer to a required iparam ("${name}" is optional)`);
    }
  }
  const basicIparam = m.basic?.passwordIparam;
  if (typeof basicIparam === 'string' && IPARAM_NAME_PATTERN.test(basicIparam)) {
    const field = lookup(basicIparam);
    if (!field) add('/basic/passwordIparam', undeclared(basicIparam));
    else if (field.secure !== true || (field.type !== 'text' && field.type !== 'paragraph')) {
      add('/basic/passwordIparam', `must refer to a secure text or paragraph iparam ("${basicIparam}" is not)`);
    }
  }
  if (!auth) return issues;

  // The modes an installation can end up with decide whether the secret must always be present.
  let modes: readonly string[] = AUTH_MODES;
  const modeTemplate = typeof auth.mode === 'string' ? parseIparamsTemplate(auth.mode) : undefined;
  if (modeTemplate) {
    const name = modeTemplate.iparam;
    const field = lookup(name);
    if (!field) add('/customer/auth/mode', undeclared(name));
    else if (field.type !== 'dropdown' && field.type !== 'radio') {
      add('/customer/auth/mode', `must refer to a dropdown or radio iparam ("${name}" is ${field.type})`);
    } else if (!(field.options ?? []).every((o) => (AUTH_MODES as readonly string[]).includes(o))) {
      add('/customer/auth/mode', `must refer to an iparam whose options are only: ${AUTH_MODES.join(', ')}`);
    } else {
      modes = field.options ?? [];
    }
  } else if (typeof auth.mode === 'string') {
    modes = [auth.mode];
  }

  // A name the schema already refused is not looked up: the lookup message would echo it.
  if (typeof auth.secretIparam === 'string' && IPARAM_NAME_PATTERN.test(auth.secretIparam)) {
    const name = auth.secretIparam;
    const field = lookup(name);
    const secretUsed = modes.includes('shared-secret') || (modes.includes('jwt') && (auth.alg ?? 'HS256') === 'HS256');
    if (!field) add('/customer/auth/secretIparam', undeclared(name));
    else if (field.secure !== true || (field.type !== 'text' && field.type !== 'paragraph')) {
      add('/customer/auth/secretIparam', `must refer to a secure text or paragraph iparam ("${name}" is not)`);
    } else if (secretUsed && field.required !== true) {
      add('/customer/auth/secretIparam', `must refer to a required iparam ("${name}" is optional)`);
    }
  }
  return issues;
}

/**
 * Every issue of a manifest, schema first; without `iparams` the cross-checks are skipped.
 * @example
 * manifestIssues(json, undefined, 'manifest.json') // [] when the manifest alone is sound
 */
export function manifestIssues(json: unknown, iparams: IparamsSchema | undefined, file: string): ConfigIssue[] {
  const issues = runJsonSchema('manifest', json, file);
  const customer = typeof json === 'object' && json !== null ? (json as { customer?: unknown }).customer : undefined;
  if (typeof customer === 'object' && customer !== null) issues.push(...manifestCodeIssues(json as Manifest, iparams, file));
  return issues;
}
