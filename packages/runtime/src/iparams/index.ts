/** Installation parameters: SSM layout, the store, the installer and the cached runtime reader. */
export {
  assertInstallationId,
  assertParameterName,
  installationDocumentName,
  installationPath,
  installationsPrefix,
  isValidId,
  keysPrefix,
} from './_layout.js';
export type { FieldMeta, InstallationDocument, PreviousValue, Tier } from './_document.js';
export {
  createDefaultSsmClient,
  MAX_INSTALLATIONS_PER_READ,
  readSecureParameter,
  SSM_MAX_ATTEMPTS,
  SSM_REQUEST_TIMEOUT_MS,
  SsmIparamStore,
  toStoreError,
  writeSecureParameter,
  type IparamStore,
  type SsmIparamStoreOptions,
  type StoredDocument,
} from './ssm-store.js';
export {
  createIparamsReader,
  IPARAMS_BATCH_REFRESH_AHEAD_SHARE,
  IPARAMS_RETRY_BACKOFF_MS,
  type IparamsReader,
  type IparamsReaderOptions,
} from './reader.js';
export {
  createInstaller,
  renderTemplate,
  ROTATION_GRACE_SEC,
  templateFields,
  type DescribedField,
  type DescribeResult,
  type InstallOptions,
  type Installer,
  type InstallerOptions,
  type RotateOptions,
  type RotateResult,
} from './installer.js';
