/** Outbound: the customer client, request signing and the allowed-host patterns. */
export { compileHostPatterns, type HostPatternOptions } from './host-pattern.js';
export {
  createCustomerClient,
  CustomerHttpError,
  type CustomerAuthConfig,
  type CustomerClient,
  type CustomerClientOptions,
  type CustomerRequest,
  type CustomerResponse,
} from './customer-client.js';
export { createHs256Signer, newJti, type TokenSigner } from './_sign.js';
