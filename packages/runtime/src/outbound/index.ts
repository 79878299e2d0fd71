/** Outbound: the customer client, request signing and the allowed-host patterns. */
export { compileHostPatterns, type HostPatternOptions } from './host-pattern.js';
export {
  createCustomerClient,
  CustomerHttpError,
  type AuthRejection,
  type CredentialRejectionCode,
  type OnAuthRejected,
  type CustomerAuthConfig,
  type CustomerClient,
  type CustomerClientOptions,
  type CustomerRequest,
  type CustomerResponse,
  type WsTicket,
  type WsTicketOptions,
} from './customer-client.js';
export { createEdDsaSigner, createEs256Signer, createHs256Signer, newJti, type TokenSigner } from './_sign.js';
