/** Runtime: what a Lambda function of a Tessera app is written against. */
export {
  createApp,
  offlineHeaderIdentify,
  OFFLINE_INSTALLATION_HEADER,
  type App,
  type AppOptions,
  type CallerCredential,
  type FunctionContext,
  type FunctionHandler,
  type FunctionResult,
  type IdentifyInstallation,
  type LambdaHandler,
  type WsTicketFunctionOptions,
} from './define-function.js';
export { CustomerHttpError, type CustomerClient, type CustomerResponse, type WsTicket, type WsTicketOptions } from './outbound/index.js';
export {
  ConfigError,
  InboundError,
  IparamValidationError,
  isTesseraError,
  KeysError,
  OutboundError,
  StoreError,
  TesseraError,
  type AnyTesseraError,
  type ConfigErrorCode,
  type InboundErrorCode,
  type IparamErrorCode,
  type KeysErrorCode,
  type OutboundErrorCode,
  type StoreErrorCode,
  type TesseraErrorCode,
} from '@tessera/protocol/errors';
