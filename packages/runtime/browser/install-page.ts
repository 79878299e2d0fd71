/**
 * The install page's script, bundled by `npm run build:install-page` into src/install/_page-script.generated.ts. It
 * validates with the very functions the server runs (`validateIparamValues`, imported from the schema's source), so
 * the page and `tessera install` give the same rules and messages; the server still decides.
 */
import { compileOriginAllowlist } from '../../protocol/src/origin.js';
import { IparamValidationError, type FieldIssue } from '../../protocol/src/errors.js';
import { validateIparamValues } from '../../schema/src/validate-iparam-values.js';
import type { IparamField } from '../../schema/src/types.js';

import type { InstallState as State, PageData } from '../src/install/_page-html.js';

const SESSION_TIMEOUT_MS = 10_000;
const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const data = JSON.parse(byId('tessera-install-data').textContent ?? '{}') as PageData;
const allowlist = compileOriginAllowlist(data.platformOrigins);
const fromPlatform = (origin: string): boolean => typeof allowlist === 'function' && allowlist(origin);
const fields = Object.entries(data.schema);
const form = byId<HTMLFormElement>('install-form');
const status = byId('status');
const summary = byId('summary');
const touched = new Set<string>();
let submitted = false;
let state: State | undefined;

/** Until the platform answers, the request is repeated: the parent's listener may attach after this page loads. */
const SESSION_ASK_EVERY_MS = 250;

/** The platform window that embeds the page hands it a session on request; nothing else is listened to. */
function requestSession(): Promise<string> {
  return new Promise((resolve, reject) => {
    if (window.parent === window) return reject(new Error('Open this page from the platform: it gives the page its session.'));
    // The request carries nothing; the CSP's frame-ancestors decides which parents exist at all.
    const ask = (): void => window.parent.postMessage({ type: 'tessera:session-request', purpose: 'install' }, '*');
    const timer = setTimeout(() => finish(), SESSION_TIMEOUT_MS);
    const again = setInterval(ask, SESSION_ASK_EVERY_MS);
    function finish(token?: string): void {
      clearTimeout(timer);
      clearInterval(again);
      window.removeEventListener('message', onMessage);
      if (token === undefined) reject(new Error('The platform did not give the page a session.'));
      else resolve(token);
    }
    function onMessage(event: MessageEvent): void {
      if (event.source !== window.parent || !fromPlatform(event.origin)) return;
      const message = event.data as { type?: unknown; token?: unknown } | null;
      if (message?.type === 'tessera:session' && typeof message.token === 'string') finish(message.token);
    }
    window.addEventListener('message', onMessage);
    ask();
  });
}

const control = (name: string): HTMLElement | null => document.getElementById(`f-${name}`);
const choicesOf = (name: string): HTMLInputElement[] => [...form.querySelectorAll<HTMLInputElement>(`input[name="${CSS.escape(name)}"]`)];

/** The value as the CLI would take it from JSON: numbers as numbers, a checkbox as a boolean, choices as a list. */
function readValue(name: string, field: IparamField): unknown {
  switch (field.type) {
    case 'checkbox':
      return (control(name) as HTMLInputElement).checked;
    case 'multiselect':
      return choicesOf(name)
        .filter((c) => c.checked)
        .map((c) => c.value);
    case 'radio':
      return choicesOf(name).find((c) => c.checked)?.value ?? '';
    case 'number': {
      const input = control(name) as HTMLInputElement;
      if (input.validity.badInput) return Number.NaN;
      return input.value === '' ? '' : Number(input.value);
    }
    default:
      return (control(name) as HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement).value;
  }
}

function writeValue(name: string, field: IparamField, value: unknown): void {
  if (field.secure) return;
  if (field.type === 'checkbox') (control(name) as HTMLInputElement).checked = value === true;
  else if (field.type === 'multiselect' || field.type === 'radio') {
    const chosen = Array.isArray(value) ? value : [value];
    for (const c of choicesOf(name)) c.checked = chosen.includes(c.value);
  } else (control(name) as HTMLInputElement).value = value === undefined ? '' : String(value);
}

/** What the form would send: a secure field left blank is left out when a value is stored ("blank = unchanged"). */
function collect(): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, field] of fields) {
    const value = readValue(name, field);
    if (field.secure && value === '' && state?.secure[name]) continue;
    values[name] = value;
  }
  return values;
}

function check(): FieldIssue[] {
  try {
    validateIparamValues(data.schema, collect(), state?.installed ? { partial: true, previous: {} } : {});
    return [];
  } catch (err) {
    if (err instanceof IparamValidationError) return [...err.issues];
    throw err;
  }
}

const labelOf = (name: string): string => (Object.hasOwn(data.schema, name) ? (data.schema[name] as IparamField).display_name : name);
const sentence = (issue: FieldIssue): string => `${labelOf(issue.field)} ${issue.rule}`;

function show(issues: readonly FieldIssue[], focusSummary: boolean): void {
  for (const [name] of fields) {
    const issue = issues.find((i) => i.field === name);
    const visible = issue !== undefined && (submitted || touched.has(name));
    const error = byId(`f-${name}-err`);
    error.textContent = visible ? sentence(issue) : '';
    error.hidden = !visible;
    control(name)?.setAttribute('aria-invalid', String(visible));
  }
  if (!submitted || issues.length === 0) {
    summary.hidden = true;
    return;
  }
  byId('summary-title').textContent = issues.length === 1 ? '1 field needs a fix' : `${issues.length} fields need a fix`;
  const list = byId('summary-list');
  list.replaceChildren(
    ...issues.map((issue) => {
      const item = document.createElement('li');
      const target = Object.hasOwn(data.schema, issue.field) ? control(issue.field) : null;
      if (target) {
        const link = document.createElement('a');
        link.href = `#f-${issue.field}`;
        link.textContent = sentence(issue);
        link.addEventListener('click', (event) => {
          event.preventDefault();
          (target.matches('fieldset') ? target.querySelector('input') : target)?.focus();
        });
        item.append(link);
      } else item.textContent = sentence(issue);
      return item;
    }),
  );
  summary.hidden = false;
  if (focusSummary) summary.focus();
}

function fieldNameOf(target: EventTarget | null): string | undefined {
  return (target as HTMLElement | null)?.closest<HTMLElement>('[data-field]')?.dataset.field;
}

async function call(method: 'GET' | 'POST', token: string, body?: unknown): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['x-csrf-token'] = state?.csrfToken ?? '';
  }
  const res = await fetch(data.statePath, {
    method,
    headers,
    credentials: 'same-origin',
    cache: 'no-store',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json().catch(() => ({})) };
}

function refusal(json: any): string {
  const error = json?.error;
  return typeof error?.message === 'string' ? `${error.message} (${String(error.code)})` : 'The server did not answer.';
}

async function load(): Promise<void> {
  const { status: code, json } = await call('GET', await requestSession());
  if (code !== 200) throw new Error(refusal(json));
  state = json as State;
  for (const [name, field] of fields) {
    if (Object.hasOwn(state.values, name)) writeValue(name, field, state.values[name]);
    if (field.secure && state.secure[name]) {
      const input = control(name) as HTMLInputElement;
      input.placeholder = 'Leave empty to keep the stored value';
      byId(`f-${name}-secure`).textContent = 'Stored encrypted and never shown again. A value is stored: leave this empty to keep it.';
    }
  }
  byId('blank-note').hidden = !state.installed;
  status.textContent = state.installed
    ? `Installation ${state.installationId}: change what you need and save.`
    : `Installation ${state.installationId} is not installed yet: fill in the form and save.`;
  byId<HTMLButtonElement>('save').disabled = false;
}

async function save(): Promise<void> {
  submitted = true;
  const issues = check();
  show(issues, true);
  if (issues.length > 0) return;
  status.textContent = 'Saving…';
  const { status: code, json } = await call('POST', await requestSession(), { values: collect() });
  if (code === 200) {
    form.hidden = true;
    const done = byId('done');
    byId('done-text').textContent = `${json.created ? 'Installed' : 'Updated'} ${state?.installationId} (version ${json.version}).`;
    status.textContent = 'Saved.';
    done.hidden = false;
    done.focus();
    return;
  }
  if (Array.isArray(json?.error?.issues) && json.error.issues.length > 0) {
    status.textContent = 'Not saved: the server refused some values.';
    show(json.error.issues as FieldIssue[], true);
    return;
  }
  status.textContent = `Not saved: ${refusal(json)}`;
}

form.addEventListener('focusout', (event) => {
  const name = fieldNameOf(event.target);
  // Leaving one choice of a group for another is not leaving the field.
  if (name === undefined || fieldNameOf(event.relatedTarget) === name) return;
  touched.add(name);
  // On the way to Save the submit shows everything: a message inserted now would move the button from under the
  // pointer between mousedown and click, and the click would be lost.
  if (event.relatedTarget === byId('save')) return;
  show(check(), false);
});
for (const type of ['input', 'change']) {
  form.addEventListener(type, (event) => {
    const name = fieldNameOf(event.target);
    if (name !== undefined && (submitted || touched.has(name))) show(check(), false);
  });
}
form.addEventListener('submit', (event) => {
  event.preventDefault();
  save().catch((err: Error) => {
    status.textContent = `Not saved: ${err.message}`;
  });
});
load().catch((err: Error) => {
  status.textContent = err.message;
});
