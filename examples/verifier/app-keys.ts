/** The customer's server verifying tokens signed with the app's key: no secret, only the app's public keys. */
import express from 'express';
import { tesseraExpress } from '@tessera/verify';

const app = express();
app.use(
  '/orders',
  tesseraExpress({
    mode: 'jwt',
    algorithms: ['ES256'], // or ['EdDSA'], or both; required, never read from the token
    jwksUrl: 'https://order-lookup.example.com/.well-known/jwks.json',
    // keys: [{ kty: 'EC', crv: 'P-256', x, y, kid: '2026-11' }],   // or static public JWKs instead of jwksUrl
    publicOrigin: 'https://orders.acme.com',
    issuer: 'order-lookup',
    installationId: 'acme', // required with app keys (see above)
  }),
);
