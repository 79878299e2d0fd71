// Generated from iparams.json by Tessera (`tessera types`). Do not edit: regenerate instead.

/** Installation parameters of this app, as validated against iparams.json. */
export interface Iparams {
  /** Order server URL: Base URL of your order system, e.g. https://acme.orders.example.com */
  server_url: string;
  /** Shared secret: At least 32 random bytes, base64url (run `tessera secret` to make one). Configure the same value in your server's verifier. (secure: never log or return it) */
  shared_secret: string;
  /** How requests prove themselves */
  auth_mode: 'jwt' | 'shared-secret';
  /** Support contact */
  support_email?: string;
  /** Order number prefix */
  order_prefix: string;
  /** Password for server-to-server calls: Lets your own systems call addNote with HTTP Basic: the user is your installation id. Leave empty to allow only calls from the product. (secure: never log or return it) */
  basic_password?: string;
}
