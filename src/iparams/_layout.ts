/** SSM path layout and the id rules every path segment must pass before it reaches SSM. */
import { TesseraError } from '../errors.js';

const ID = /^[a-z0-9_.-]{1,64}$/;
const PARAMETER_NAME = /^[A-Za-z0-9_]{1,64}$/;
const ONLY_DOTS = /^\.+$/;

/** True for an app or installation id: `[a-z0-9_.-]{1,64}`, not made only of dots. */
export function isValidId(id: unknown): id is string {
  return typeof id === 'string' && ID.test(id) && !ONLY_DOTS.test(id);
}

/** Throws ERR_INSTALLATION_ID_INVALID unless `id` is a valid installation id. The id itself is not echoed. */
export function assertInstallationId(id: unknown): asserts id is string {
  if (!isValidId(id)) {
    throw new TesseraError('ERR_INSTALLATION_ID_INVALID', {
      message: 'installation id must match [a-z0-9_.-]{1,64} and not be only dots',
    });
  }
}

/** Throws a TypeError (configuration, not input) unless `id` is a valid app id. */
export function assertAppId(id: unknown): asserts id is string {
  if (!isValidId(id)) throw new TypeError('app id must match [a-z0-9_.-]{1,64} and not be only dots');
}

/** Throws ERR_PARAMETER_NAME_INVALID unless `name` is `[A-Za-z0-9_]{1,64}`. */
export function assertParameterName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !PARAMETER_NAME.test(name)) {
    throw new TesseraError('ERR_PARAMETER_NAME_INVALID', { message: 'parameter name must match [A-Za-z0-9_]{1,64}' });
  }
}

/** `/tessera/{appId}/installations/` */
export function installationsPrefix(appId: string): string {
  assertAppId(appId);
  return `/tessera/${appId}/installations/`;
}

/** `/tessera/{appId}/installations/{installationId}`: everything of one installation lives below it. */
export function installationPath(appId: string, installationId: string): string {
  assertInstallationId(installationId);
  return `${installationsPrefix(appId)}${installationId}`;
}

/** The one SecureString parameter holding an installation's whole document, so a reader never sees a mix. */
export function installationDocumentName(appId: string, installationId: string): string {
  return `${installationPath(appId, installationId)}/iparams`;
}

/** `/tessera/{appId}/keys/`: the app's signing keys. */
export function keysPrefix(appId: string): string {
  assertAppId(appId);
  return `/tessera/${appId}/keys/`;
}
