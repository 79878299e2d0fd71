/** Install, update, describe and uninstall an installation's values: validate everything, then one write. */
import { IparamValidationError, TesseraError, type FieldIssue } from '../errors.js';
import { createJsonLogger, type Logger } from '../log.js';
import { compileHostPatterns } from '../outbound/index.js';
import { validateIparamValues } from '../schema/index.js';
import type { IparamsSchema, IparamValue, IparamValues, Manifest } from '../schema/index.js';
import { nextDocument } from './_document.js';
import { assertInstallationId, assertParameterName } from './_layout.js';
import type { IparamStore, StoredDocument } from './ssm-store.js';

export interface InstallerOptions {
  manifest: Manifest;
  schema: IparamsSchema;
  store: IparamStore;
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

/** The installer's operations; each validates fully before its single write. */
export interface Installer {
  install(installationId: string, values: unknown, options?: InstallOptions): Promise<{ version: number }>;
  /** Replaces one value (e.g. rotating a secret) and keeps the others. */
  set(installationId: string, name: string, value: unknown): Promise<{ version: number }>;
  describe(installationId: string): Promise<DescribeResult>;
  uninstall(installationId: string): Promise<boolean>;
  exists(installationId: string): Promise<boolean>;
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

  function audit(event: string, installationId: string, fields: Record<string, unknown>): void {
    logger.log('info', event, { appId, installationId, actor, ...fields });
  }

  async function write(installationId: string, values: IparamValues, changed: string[], event: string, previous: StoredDocument | undefined) {
    const doc = nextDocument(installationId, values, previous?.document, now());
    const out = await store.put(appId, installationId, doc);
    audit(event, installationId, { parameters: changed, result: 'ok', version: out.version });
    return out;
  }

  return {
    async install(installationId, input, opts = {}) {
      assertInstallationId(installationId);
      const values = validateIparamValues(schema, input);
      checkCustomerUrl(values);
      const previous = await store.get(appId, installationId);
      if (previous && !opts.replace) {
        throw new TesseraError('ERR_IPARAM_INVALID', {
          message: 'installation exists: replace it explicitly or set one value',
        });
      }
      return write(installationId, values, Object.keys(values), 'iparams.installed', previous);
    },

    async set(installationId, name, value) {
      assertInstallationId(installationId);
      assertParameterName(name);
      const current = await store.get(appId, installationId);
      if (!current) throw new TesseraError('ERR_INSTALLATION_NOT_FOUND');
      const values = validateIparamValues(schema, { [name]: value }, { partial: true, previous: current.document.values });
      checkCustomerUrl(values);
      return write(installationId, values, [name], 'iparams.updated', current);
    },

    async describe(installationId) {
      assertInstallationId(installationId);
      const current = await store.get(appId, installationId);
      if (!current) throw new TesseraError('ERR_INSTALLATION_NOT_FOUND');
      const { document } = current;
      const fields = Object.entries(schema).map(([name, field]): DescribedField => {
        const meta = document.fields[name];
        const set = document.values[name] !== undefined;
        const secure = field.secure === true;
        return {
          name,
          secure,
          set,
          ...(set && !secure ? { value: document.values[name] } : {}),
          ...(meta ? { version: meta.version, updatedAt: meta.updatedAt } : {}),
        };
      });
      return { installationId, installedAt: document.installedAt, updatedAt: document.updatedAt, fields };
    },

    async uninstall(installationId) {
      assertInstallationId(installationId);
      const removed = await store.delete(appId, installationId);
      audit('iparams.uninstalled', installationId, { result: removed ? 'ok' : 'absent' });
      return removed;
    },

    async exists(installationId) {
      assertInstallationId(installationId);
      return (await store.get(appId, installationId)) !== undefined;
    },
  };
}
