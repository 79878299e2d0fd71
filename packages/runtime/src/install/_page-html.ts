/**
 * The install page's document, rendered from `iparams.json` on the server. Every value from the schema is escaped
 * for the context it lands in; stored values never appear here (the page's script fills them in through the DOM, as
 * text, once the platform's session has fetched them).
 */
import type { IparamField, IparamsSchema, IparamValue } from '@tessera/schema';
import escapeHtmlText from 'escape-html';

/** What the page's script reads from its data block. */
export interface PageData {
  schema: IparamsSchema;
  /** Origins whose windows may hand the page a session (the manifest's CORS allowlist). */
  platformOrigins: readonly string[];
  /** Where the state is read and written, e.g. `/install/state`. */
  statePath: string;
}

/** What `GET …/state` answers: the session's installation, secure values only as set or not, and the CSRF token. */
export interface InstallState {
  installationId: string;
  installed: boolean;
  values: Record<string, unknown>;
  secure: Record<string, boolean>;
  csrfToken: string;
}

/** Text or a double-quoted attribute value: the five characters that could end either, escaped. */
export function escapeHtml(value: unknown): string {
  return escapeHtmlText(String(value));
}

/**
 * JSON inside `<script type="application/json">`: no `<` may appear (a `</script>` or `<!--` would end or bend the
 * element), and U+2028/2029 are escaped for older parsers. Read back with `JSON.parse(el.textContent)`.
 */
export function jsonForScriptElement(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const attr = (name: string, value: unknown): string => ` ${name}="${escapeHtml(value)}"`;
const idOf = (name: string): string => `f-${name}`;

function describedBy(name: string, field: IparamField): string {
  const ids = [field.description ? `${idOf(name)}-desc` : '', field.secure ? `${idOf(name)}-secure` : '', `${idOf(name)}-err`];
  return attr('aria-describedby', ids.filter(Boolean).join(' '));
}

function isChosen(field: IparamField, option: string): boolean {
  const d = field.default_value;
  return Array.isArray(d) ? d.includes(option) : d === option;
}

function choices(name: string, field: IparamField, kind: 'radio' | 'checkbox'): string {
  return (field.options ?? [])
    .map((option, i) => {
      const id = `${idOf(name)}-${i}`;
      return `<div class="choice"><input type="${kind}"${attr('id', id)}${attr('name', name)}${attr('value', option)}${isChosen(field, option) ? ' checked' : ''}><label${attr('for', id)}>${escapeHtml(option)}</label></div>`;
    })
    .join('');
}

function defaultText(value: IparamValue | undefined): string {
  return value === undefined || typeof value === 'boolean' || Array.isArray(value) ? '' : String(value);
}

function control(name: string, field: IparamField): string {
  const common = `${attr('id', idOf(name))}${attr('name', name)}${describedBy(name, field)}${field.required ? ' aria-required="true"' : ''} aria-invalid="false"`;
  const bounds = `${field.min === undefined ? '' : attr('min', field.min)}${field.max === undefined ? '' : attr('max', field.max)}`;
  const value = field.secure ? '' : attr('value', defaultText(field.default_value));
  switch (field.type) {
    case 'paragraph':
      // A secure paragraph (a PEM key, say) keeps its line breaks; it is never filled in either.
      return `<textarea${common} rows="4"${field.secure ? ' autocomplete="off" spellcheck="false"' : ''}>${field.secure ? '' : escapeHtml(defaultText(field.default_value))}</textarea>`;
    case 'number':
      return `<input type="number" step="any"${common}${bounds}${value}>`;
    case 'email':
    case 'url':
    case 'date':
      return `<input type="${field.type}"${common}${value}>`;
    case 'dropdown': {
      const blank = field.required && field.default_value !== undefined ? '' : '<option value="">Choose…</option>';
      const options = (field.options ?? [])
        .map((o) => `<option${attr('value', o)}${isChosen(field, o) ? ' selected' : ''}>${escapeHtml(o)}</option>`)
        .join('');
      return `<select${common}>${blank}${options}</select>`;
    }
    case 'checkbox':
      return `<input type="checkbox"${common}${field.default_value === true ? ' checked' : ''}>`;
    default:
      return field.secure
        ? `<input type="password" autocomplete="new-password" spellcheck="false"${common}>`
        : `<input type="text"${common}${value}>`;
  }
}

const REQUIRED_MARK = ' <span class="required">(required)</span>';

function fieldHtml(name: string, field: IparamField): string {
  const label = `${escapeHtml(field.display_name)}${field.required ? REQUIRED_MARK : ''}`;
  const description = field.description ? `<p class="description"${attr('id', `${idOf(name)}-desc`)}>${escapeHtml(field.description)}</p>` : '';
  const secure = field.secure ? `<p class="secure-note"${attr('id', `${idOf(name)}-secure`)}>Stored encrypted and never shown again.</p>` : '';
  const error = `<p class="error"${attr('id', `${idOf(name)}-err`)} hidden></p>`;
  if (field.type === 'radio' || field.type === 'multiselect') {
    // A group: the legend names it, and the group (not each choice) carries the description and the error.
    return `<fieldset class="field"${attr('id', idOf(name))}${attr('data-field', name)}${describedBy(name, field)} aria-invalid="false"><legend>${label}</legend>${description}${secure}${choices(name, field, field.type === 'radio' ? 'radio' : 'checkbox')}${error}</fieldset>`;
  }
  if (field.type === 'checkbox') {
    return `<div class="field checkbox"${attr('data-field', name)}>${control(name, field)}<label${attr('for', idOf(name))}>${label}</label>${description}${error}</div>`;
  }
  return `<div class="field"${attr('data-field', name)}><label${attr('for', idOf(name))}>${label}</label>${description}${secure}${control(name, field)}${error}</div>`;
}

/**
 * The whole document: no inline script or style (the CSP allows neither), the form usable before its script runs
 * only to show the fields, submitted by the script alone.
 * @example
 * renderInstallPage({ schema, platformOrigins: ['https://acme.helpdesk.example.com'], statePath: '/install/state' },
 *   { title: 'Order lookup', scriptPath: '/install/page.js', stylePath: '/install/page.css' })
 */
export function renderInstallPage(data: PageData, page: { title: string; scriptPath: string; stylePath: string }): string {
  const fields = Object.entries(data.schema)
    .map(([name, field]) => fieldHtml(name, field))
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Install ${escapeHtml(page.title)}</title>
<link rel="stylesheet"${attr('href', page.stylePath)}>
<script type="application/json" id="tessera-install-data">${jsonForScriptElement(data)}</script>
<script defer${attr('src', page.scriptPath)}></script>
</head>
<body>
<main>
<h1>Install ${escapeHtml(page.title)}</h1>
<p id="status" role="status" aria-live="polite">Waiting for the platform to open a session…</p>
<div id="summary" class="summary" role="alert" tabindex="-1" hidden><h2 id="summary-title"></h2><ul id="summary-list"></ul></div>
<form id="install-form" novalidate>
<p id="blank-note" class="blank-note" hidden>Secure fields are not shown. Leave one empty to keep its stored value.</p>
${fields}
<button type="submit" id="save" disabled>Save</button>
</form>
<div id="done" class="done" tabindex="-1" hidden><h2>Saved</h2><p id="done-text"></p></div>
</main>
</body>
</html>
`;
}
