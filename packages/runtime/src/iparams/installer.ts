/** Install, update, rotate, describe and uninstall an installation's values: validate everything, then one write. */
import { IparamValidationError, type FieldIssue, StoreError } from '@tessera/protocol/errors';
import { createJsonLogger, type Logger } from '@tessera/protocol/log';
import { compileHostPatterns } from '../outbound/index.js';
import { isBlank, validateIparamValues } from '@tessera/schema';
import type { IparamsSchema, IparamValue, IparamValues, Manifest } from '@tessera/schema';
import { nextDocument } from './_document.js';
import { assertInstallationId, assertParameterName, isValidId } from './_layout.js';
import type { IparamStore, StoredDocument } from './ssm-store.js';

export interface InstallerOptions {
  manifest: Manifest;
  schema: IparamsSchema;
  store: IparamStore;
  /** Where the audit events go (one per install, set, rotate and uninstall). Default JSON lines on standard error. */
  logger?: Logger;
  /** Who acts, for the audit log (a user name or `cli`). Default `cli`. */
  actor?: string;
  /** Clock, for tests. */
  now?: () => Date;
}

/** One field as `describe` shows it: secure values only as "set", never their value, length or hash. */
export interface DescribedField {
  name: string;
  secure: boolean;
  set: boolean;
  value?: IparamValue;
  version?: number;
  updatedAt?: string;
  /** Secure fields inside a rotation's grace window: when the previous value stops being used. Never the value. */
  previousUntil?: string;
}

export interface DescribeResult {
  installationId: string;
  installedAt: string;
  updatedAt: string;
  fields: DescribedField[];
}

export interface InstallOptions {
  /** Replace an existing installation's values wholesale. Default false: an existing installation is refused. */
  replace?: boolean;
}

/** Options of {@link Installer.rotate}. */
export interface RotateOptions {
  /**
   * How long the previous value stays valid beside the new one, in seconds. Default 86,400 (24 h); from 3,600 (1 h:
   * longer than the default cache TTL plus the 15-minute stale cap, so no function instance still signs with a secret
   * whose window has ended) to 2,592,000 (30 days).
   */
  graceSec?: number;
}

/** What a rotation stored. */
export interface RotateResult {
  /** SSM's version of the installation document after the write. */
  version: number;
  /** ISO time the previous value's grace window ends. */
  previousUntil: string;
}

/** Bounds and default of a rotation's grace window, in seconds. */
export const ROTATION_GRACE_SEC = { default: 86_400, min: 3_600, max: 2_592_000 } as const;

/** The installer's operations; each validates fully before its single write. */
export interface Installer {
  install(installationId: string, values: unknown, options?: InstallOptions): Promise<{ version: number }>;
  /**
   * Replaces the given values and keeps the others, as an update form sends them: a secure field given blank keeps
   * its stored value ("blank = unchanged"); a blank non-secure field falls back to its default, or is removed.
   */
  update(installationId: string, values: unknown): Promise<{ version: number }>;
  /** Replaces one value and keeps the others; a secure field's previous value, if any, stops at once. */
  set(installationId: string, name: string, value: unknown): Promise<{ version: number }>;
  /**
   * Replaces one secure value and keeps the one it replaces as the field's previous value for a grace window, so the
   * customer's verifier can accept both while it switches. Refuses unknown and non-secure fields.
   */
  rotate(installationId: string, name: string, value: unknown, options?: RotateOptions): Promise<RotateResult>;
  describe(installationId: string): Promise<DescribeResult>;
  uninstall(installationId: string): Promise<boolean>;
  exists(installationId: string): Promise<boolean>;
}

const ROTATE_OPTION_KEYS = new Set(['graceSec']);

/** Programmer misuse of the options is a TypeError; the CLI checks its own flag first and says it as usage. */
function graceSecOf(options: RotateOptions): number {
  for (const key of Object.keys(options)) {
    if (!ROTATE_OPTION_KEYS.has(key)) throw new TypeError(`rotate: unknown option "${key}"`);
  }
  const graceSec = options.graceSec ?? ROTATION_GRACE_SEC.default;
  if (!Number.isInteger(graceSec) || graceSec < ROTATION_GRACE_SEC.min || graceSec > ROTATION_GRACE_SEC.max) {
    throw new TypeError(`rotate: graceSec must be an integer from ${ROTATION_GRACE_SEC.min} to ${ROTATION_GRACE_SEC.max}`);
  }
  return graceSec;
}

const TEMPLATE = /\{\{\s*iparams\.([A-Za-z0-9_]+)\s*\}\}/g;

/** Fills `{{iparams.name}}` placeholders from values. */
export function renderTemplate(template: string, values: IparamValues): string {
  return template.replace(TEMPLATE, (_m, name: string) => String(values[name] ?? ''));
}

/** The iparams a template refers to. */
export function templateFields(template: string): string[] {
  return [...template.matchAll(TEMPLATE)].map((m) => m[1] as string);
}

/**
 * Creates the installer used by the CLI and the install page.
 * @example
 * const installer = createInstaller({ manifest, schema, store: new SsmIparamStore() });
 * await installer.install('acme', { server_url: 'https://acme.orders.example.com', shared_secret: '…' });
 */
export function createInstaller(options: InstallerOptions): Installer {
  const { manifest, schema, store } = options;
  const appId = manifest.app.id;
  const logger = options.logger ?? createJsonLogger({ base: { component: 'installer' } });
  const actor = options.actor ?? 'cli';
  const now = options.now ?? (() => new Date());
  const hostAllowed = compileHostPatterns(manifest.customer.allowedHosts, { allowLoopbackHttp: true });
  const baseUrlFields = templateFields(manifest.customer.baseUrl);

  /** The customer URL an installation would call must be allowed now, not at its first call. */
  function checkCustomerUrl(values: IparamValues): void {
    if (baseUrlFields.length === 0) return;
    const field = baseUrlFields[0] as string;
    let url: URL;
    try {
      url = new URL(renderTemplate(manifest.customer.baseUrl, values));
    } catch {
      throw new IparamValidationError([{ field, rule: 'must form a valid URL with the manifest customer.baseUrl' }]);
    }
    const issue: FieldIssue = { field, rule: `host must match one of the manifest's allowedHosts (${manifest.customer.allowedHosts.join(', ')})` };
    if (!hostAllowed(url)) throw new IparamValidationError([issue]);
  }

  /**
   * One audit event per operation, success or failure: what, which installation and parameter, who, when, the
   * result and an error code. Names only, never a value; an id or name is logged only once it has passed its rule.
   */
  async function audited<R>(
    event: string,
    installationId: string,
    parameter: string | undefined,
    op: () => Promise<{ result: R; fields: Record<string, unknown> }>,
  ): Promise<R> {
    const subject = {
      ...(isValidId(installationId) ? { installationId } : {}),
      ...(parameter !== undefined && Object.hasOwn(schema, parameter) ? { parameter } : {}),
    };
    const base = { audit: true, appId, ...subject, actor };
    try {
      const { result, fields } = await op();
      logger.log('info', event, { ...base, at: now().toISOString(), result: 'ok', ...fields });
      return result;
    } catch (err) {
      const code = (err as { code?: unknown })?.code;
      logger.log('warn', event, { ...base, at: now().toISOString(), result: 'failed', code: typeof code === 'string' ? code : 'UNEXPECTED' });
      throw err;
    }
  }

  async function current(installationId: string): Promise<StoredDocument> {
    const stored = await store.get(appId, installationId);
    if (!stored) throw new StoreError('ERR_INSTALLATION_NOT_FOUND');
    return stored;
  }

  /** Some values written over the stored document in one write, validated as a partial update; the rest kept. */
  async function writeOver(installationId: string, given: unknown): Promise<{ version: number }> {
    const { document } = await current(installationId);
    const values = validateIparamValues(schema, given, { partial: true, previous: document.values });
    checkCustomerUrl(values);
    return store.put(appId, installationId, nextDocument(installationId, values, document, now()));
  }

  /** The checks only a rotation has; each issue names the field and the rule, never a value. */
  function checkRotatable(name: string, before: IparamValues): void {
    const field = Object.hasOwn(schema, name) ? schema[name] : undefined;
    if (!field) throw new IparamValidationError([{ field: name, rule: 'is not a known parameter' }]);
    if (field.secure !== true) {
      throw new IparamValidationError([
        { field: name, rule: 'is not a secure field: only secure fields are rotated with a grace window (use `iparams set`)' },
      ]);
    }
    if (typeof before[name] !== 'string') {
      throw new IparamValidationError([{ field: name, rule: 'has no value yet, so there is nothing to keep during a rotation (use `iparams set`)' }]);
    }
  }

  return {
    install(installationId, input, opts = {}) {
      return audited('iparams.installed', installationId, undefined, async () => {
        assertInstallationId(installationId);
        const values = validateIparamValues(schema, input);
        checkCustomerUrl(values);
        const previous = await store.get(appId, installationId);
        if (previous && !opts.replace) {
          throw new IparamValidationError([], 'ERR_IPARAM_INVALID', { message: 'installation exists: replace it explicitly or set one value' });
        }
        const out = await store.put(appId, installationId, nextDocument(installationId, values, previous?.document, now()));
        return { result: out, fields: { parameters: Object.keys(values), version: out.version } };
      });
    },

    update(installationId, input) {
      return audited('iparams.updated', installationId, undefined, async () => {
        assertInstallationId(installationId);
        // A blank secure field keeps its stored value: it was never shown, so blank means "unchanged".
        const given =
          typeof input === 'object' && input !== null && !Array.isArray(input)
            ? Object.fromEntries(Object.entries(input).filter(([name, value]) => !(schema[name]?.secure === true && isBlank(value))))
            : input;
        const out = await writeOver(installationId, given);
        return { result: out, fields: { parameters: Object.keys(given as object), version: out.version } };
      });
    },

    set(installationId, name, value) {
      return audited('iparams.updated', installationId, name, async () => {
        assertInstallationId(installationId);
        assertParameterName(name);
        const out = await writeOver(installationId, { [name]: value });
        return { result: out, fields: { version: out.version } };
      });
    },

    rotate(installationId, name, value, opts = {}) {
      const graceSec = graceSecOf(opts);
      return audited('iparams.rotated', installationId, name, async () => {
        assertInstallationId(installationId);
        assertParameterName(name);
        const { document } = await current(installationId);
        checkRotatable(name, document.values);
        const values = validateIparamValues(schema, { [name]: value }, { partial: true, previous: document.values });
        if (typeof values[name] !== 'string') throw new IparamValidationError([{ field: name, rule: 'needs a new value to rotate to' }]);
        if (values[name] === document.values[name]) {
          throw new IparamValidationError([{ field: name, rule: 'must differ from the current value to rotate it' }]);
        }
        checkCustomerUrl(values);
        const at = now();
        const until = new Date(at.getTime() + graceSec * 1000);
        const out = await store.put(appId, installationId, nextDocument(installationId, values, document, at, { field: name, until }));
        const previousUntil = until.toISOString();
        return { result: { version: out.version, previousUntil }, fields: { version: out.version, graceSec, previousUntil } };
      });
    },

    async describe(installationId) {
      assertInstallationId(installationId);
      const { document } = await current(installationId);
      const at = now().getTime();
      const fields = Object.entries(schema).map(([name, field]): DescribedField => {
        const meta = document.fields[name];
        const set = document.values[name] !== undefined;
        const secure = field.secure === true;
        const until = document.previous?.[name]?.until;
        return {
          name,
          secure,
          set,
          ...(set && !secure ? { value: document.values[name] } : {}),
          ...(meta ? { version: meta.version, updatedAt: meta.updatedAt } : {}),
          ...(secure && until !== undefined && Date.parse(until) > at ? { previousUntil: until } : {}),
        };
      });
      return { installationId, installedAt: document.installedAt, updatedAt: document.updatedAt, fields };
    },

    uninstall(installationId) {
      return audited('iparams.uninstalled', installationId, undefined, async () => {
        assertInstallationId(installationId);
        const removed = await store.delete(appId, installationId);
        return { result: removed, fields: { removed } };
      });
    },

    async exists(installationId) {
      assertInstallationId(installationId);
      return (await store.get(appId, installationId)) !== undefined;
    },
  };
}
