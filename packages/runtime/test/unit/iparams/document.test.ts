/** The installation document's rotation fields: old documents still parse, windows end, a plain set ends one. */
import { nextDocument, parseDocument, type InstallationDocument } from '../../../src/iparams/_document.js';

const OLD = 'doc-Old-secret-0123456789abcdef0123456789abcd';
const NEW = 'doc-New-secret-fedcba9876543210fedcba98765432';
const NEWER = 'doc-Newer-secret-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const T0 = new Date('2026-01-01T00:00:00.000Z');
const at = (sec: number) => new Date(T0.getTime() + sec * 1000);

function installed(): InstallationDocument {
  return nextDocument('acme', { shared_secret: OLD, notes: 'n' }, undefined, T0);
}

describe('parseDocument', () => {
  it('parses a document written before rotation existed (no previous field)', () => {
    // Prepare
    const text = JSON.stringify({ format: 1, installationId: 'acme', values: { a: 'b' }, fields: {}, installedAt: 'x', updatedAt: 'x' });
    // Act
    const doc = parseDocument(text);
    // Assess
    expect(doc.values).toEqual({ a: 'b' });
    expect(doc.previous).toBeUndefined();
  });

  it.each([
    ['not an object', 'nope'],
    ['an entry without until', { shared_secret: { value: OLD, version: 1 } }],
    ['an entry with an unparseable until', { shared_secret: { value: OLD, until: 'soon', version: 1 } }],
    ['an entry whose value is not a string', { shared_secret: { value: 1, until: T0.toISOString(), version: 1 } }],
  ])('refuses previous values that are %s', (_what, previous) => {
    const text = JSON.stringify({ format: 1, installationId: 'acme', values: {}, fields: {}, installedAt: 'x', updatedAt: 'x', previous });
    expect(() => parseDocument(text)).toThrow('unrecognised previous values');
  });
});

describe('nextDocument with a rotation', () => {
  it('keeps the replaced value as the previous one until the window ends, with its version', () => {
    // Prepare
    const before = installed();
    // Act
    const doc = nextDocument('acme', { ...before.values, shared_secret: NEW }, before, at(10), { field: 'shared_secret', until: at(3_610) });
    // Assess
    expect(doc.values.shared_secret).toBe(NEW);
    expect(doc.fields.shared_secret?.version).toBe(2);
    expect(doc.previous).toEqual({ shared_secret: { value: OLD, until: at(3_610).toISOString(), version: 1 } });
    expect(parseDocument(JSON.stringify(doc))).toEqual(doc);
  });

  it('carries a previous value over unrelated writes inside its window', () => {
    const before = installed();
    const rotated = nextDocument('acme', { ...before.values, shared_secret: NEW }, before, at(10), { field: 'shared_secret', until: at(3_610) });
    const doc = nextDocument('acme', { ...rotated.values, notes: 'changed' }, rotated, at(20));
    expect(doc.previous?.shared_secret?.value).toBe(OLD);
  });

  it('drops a previous value on the first write after its window', () => {
    // Prepare
    const before = installed();
    const rotated = nextDocument('acme', { ...before.values, shared_secret: NEW }, before, at(10), { field: 'shared_secret', until: at(3_610) });
    // Act
    const atEnd = nextDocument('acme', { ...rotated.values, notes: 'x' }, rotated, at(3_610));
    // Assess
    expect(atEnd.previous).toBeUndefined();
    expect(JSON.stringify(atEnd)).not.toContain(OLD);
  });

  it('ends the window at once when the field is then set without a rotation', () => {
    const before = installed();
    const rotated = nextDocument('acme', { ...before.values, shared_secret: NEW }, before, at(10), { field: 'shared_secret', until: at(3_610) });
    const doc = nextDocument('acme', { ...rotated.values, shared_secret: NEWER }, rotated, at(20));
    expect(doc.previous).toBeUndefined();
  });

  it('replaces the previous value when the field is rotated again: a verifier holds at most two secrets', () => {
    const before = installed();
    const rotated = nextDocument('acme', { ...before.values, shared_secret: NEW }, before, at(10), { field: 'shared_secret', until: at(3_610) });
    const again = nextDocument('acme', { ...rotated.values, shared_secret: NEWER }, rotated, at(20), { field: 'shared_secret', until: at(7_200) });
    expect(again.previous).toEqual({ shared_secret: { value: NEW, until: at(7_200).toISOString(), version: 2 } });
    expect(JSON.stringify(again)).not.toContain(OLD);
  });
});
