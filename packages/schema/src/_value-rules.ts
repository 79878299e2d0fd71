/** The rules one iparam value must meet for its field; shared by value validation and the default_value check. */
import type { IparamField, IparamValue } from './types.js';

/** Result of checking one value: the normalised value, or the first rule it broke (never the value itself). */
export type ValueCheck = { ok: true; value: IparamValue } | { ok: false; rule: string };

/**
 * Compiles a field's regex so that the whole value must match, with the `u` flag for real Unicode semantics.
 * Returns undefined when the source does not compile.
 * @example
 * compileFieldRegex('[A-Z]+')?.test('AB1') // false: the whole value must match
 */
export function compileFieldRegex(source: string): RegExp | undefined {
  try {
    return new RegExp(`^(?:${source})$`, 'u');
  } catch {
    return undefined;
  }
}

// C0, DEL and C1 controls; paragraph fields let line feed and tab through.
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;
const CONTROL_EXCEPT_LF_TAB = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;
// A pragmatic address check: a dot-atom local part (RFC 5322 §3.4.1) and a host name with at least two labels.
const EMAIL =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
// With the u flag a paired surrogate is one code point, so only a lone half matches.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function ok(value: IparamValue): ValueCheck {
  return { ok: true, value };
}
function fail(rule: string): ValueCheck {
  return { ok: false, rule };
}
function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Length in code points, so an emoji counts as one character. */
function charCount(s: string): number {
  let n = 0;
  for (const _ of s) n += 1;
  return n;
}

function isRealDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate();
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 ? (leap ? 29 : 28) : daysInMonth);
}

function isHttpUrl(s: string): 'ok' | 'not-url' | 'credentials' {
  if (/\s/.test(s)) return 'not-url';
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return 'not-url';
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.hostname === '') return 'not-url';
  // The scheme must be written out: WHATWG parsing would also accept `https:example.com`.
  if (!/^https?:\/\//i.test(s)) return 'not-url';
  if (url.username !== '' || url.password !== '') return 'credentials';
  return 'ok';
}

function checkString(field: IparamField, raw: unknown): ValueCheck {
  if (typeof raw !== 'string') return fail('must be a string');
  if (LONE_SURROGATE.test(raw)) return fail('must be well-formed Unicode text');
  const value = raw.normalize('NFC');
  const control = field.type === 'paragraph' ? CONTROL_EXCEPT_LF_TAB : CONTROL;
  if (control.test(value)) {
    return fail(
      field.type === 'paragraph' ? 'must not contain control characters other than line feed and tab' : 'must not contain control characters',
    );
  }
  switch (field.type) {
    case 'email':
      if (value.length > 254 || !EMAIL.test(value)) return fail('must be a valid email address');
      break;
    case 'url': {
      const verdict = isHttpUrl(value);
      if (verdict === 'not-url') return fail('must be an https:// or http:// URL');
      if (verdict === 'credentials') return fail('must not contain a user name or password');
      break;
    }
    case 'date':
      if (!isRealDate(value)) return fail('must be a real calendar date written YYYY-MM-DD');
      break;
    case 'dropdown':
    case 'radio': {
      const options = field.options ?? [];
      if (!options.some((o) => o.normalize('NFC') === value)) return fail(`must be one of: ${options.join(', ')}`);
      break;
    }
    default:
      break;
  }
  if (field.type === 'text' || field.type === 'paragraph') {
    const length = charCount(value);
    if (field.min !== undefined && length < field.min) return fail(`must be at least ${plural(field.min, 'character')}`);
    if (field.max !== undefined && length > field.max) return fail(`must be at most ${plural(field.max, 'character')}`);
  }
  if (field.regex !== undefined) {
    const re = compileFieldRegex(field.regex);
    if (!re?.test(value)) return fail(field.regex_error_message ?? `must match /${field.regex}/`);
  }
  return ok(value);
}

function checkMultiselect(field: IparamField, raw: unknown): ValueCheck {
  if (!Array.isArray(raw) || !raw.every((item) => typeof item === 'string')) return fail('must be a list of options');
  const options = (field.options ?? []).map((o) => o.normalize('NFC'));
  const value = (raw as string[]).map((item) => item.normalize('NFC'));
  if (!value.every((item) => options.includes(item))) return fail(`must contain only: ${(field.options ?? []).join(', ')}`);
  if (new Set(value).size !== value.length) return fail('must not select an option twice');
  if (field.min !== undefined && value.length < field.min) return fail(`must have at least ${plural(field.min, 'selection')}`);
  if (field.max !== undefined && value.length > field.max) return fail(`must have at most ${plural(field.max, 'selection')}`);
  return ok(value);
}

/**
 * Checks one given value against its field and returns it NFC-normalised (nothing trimmed or coerced).
 * @example
 * checkIparamValue({ display_name: 'N', type: 'number', max: 5 }, 7) // { ok: false, rule: 'must be at most 5' }
 */
export function checkIparamValue(field: IparamField, raw: unknown): ValueCheck {
  switch (field.type) {
    case 'number':
      if (typeof raw !== 'number' || !Number.isFinite(raw)) return fail('must be a finite number');
      if (field.min !== undefined && raw < field.min) return fail(`must be at least ${field.min}`);
      if (field.max !== undefined && raw > field.max) return fail(`must be at most ${field.max}`);
      return ok(raw);
    case 'checkbox':
      return typeof raw === 'boolean' ? ok(raw) : fail('must be true or false');
    case 'multiselect':
      return checkMultiselect(field, raw);
    default:
      return checkString(field, raw);
  }
}
