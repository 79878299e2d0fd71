/** Local development pieces: an SSM-compatible endpoint (and, later, the dev session issuer and install page). */
export {
  MAX_BODY_BYTES,
  SSM_LOCAL_OPERATIONS,
  startSsmLocal,
  type SsmLocalHost,
  type SsmLocalOptions,
  type SsmLocalServer,
} from './ssm-local.js';
export {
  checkSsmFault,
  parseSsmFaults,
  SSM_FAULT_STATUS_TYPES,
  type SsmFault,
  type SsmFaultScope,
  type SsmLocalFaults,
} from './ssm-local-faults.js';
export { startDevPlatform, type DevPlatform, type DevPlatformOptions } from './dev-platform.js';
export { restoreFunctionAnswer, startOfflineProxy, type OfflineProxy, type OfflineProxyOptions } from './offline-proxy.js';
export { freePort, isAddressInUse, portTakenMessage, takenPortMessages, type NamedPort } from './free-port.js';
export { isListening, waitForPort } from './wait-for-port.js';
