/** SSM path layout and the id rules every path segment must pass before it reaches SSM. */
import { IparamValidationError } from '@tessera/protocol/errors';
import { ID_RULE, isId, isParameterName, PARAMETER_NAME_RULE } from '@tessera/protocol';

/** True for an app or installation id: the protocol's one rule, `[a-z0-9_.-]{1,64}`, not made only of dots. */
export const isValidId = isId;

/** Throws ERR_INSTALLATION_ID_INVALID unless `id` is a valid installation id. The id itself is not echoed. */
export function assertInstallationId(id: unknown): asserts id is string {
  if (!isValidId(id)) {
    throw new IparamValidationError([{ field: 'installationId', rule: ID_RULE }], 'ERR_INSTALLATION_ID_INVALID', {
      message: `installation id ${ID_RULE}`,
    });
  }
}

/** Throws a TypeError (configuration, not input) unless `id` is a valid app id. */
export function assertAppId(id: unknown): asserts id is string {
  if (!isValidId(id)) throw new TypeError(`app id ${ID_RULE}`);
}

/** Throws ERR_PARAMETER_NAME_INVALID unless `name` is `[A-Za-z0-9_]{1,64}`. */
export function assertParameterName(name: unknown): asserts name is string {
  if (!isParameterName(name)) {
    throw new IparamValidationError([{ field: 'parameter name', rule: PARAMETER_NAME_RULE }], 'ERR_PARAMETER_NAME_INVALID', {
      message: `parameter name ${PARAMETER_NAME_RULE}`,
    });
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
