/** GET /.well-known/jwks.json: the app's public signing keys, for customer servers verifying ES256/EdDSA tokens.
 *  Public and not a manifest function: no session, no CORS (servers fetch it, browsers have no use for it). */
import { createJwksHandler } from '@tessera/runtime/keys';
import manifest from '../manifest.json';

export const handler = createJwksHandler({ appId: manifest.app.id });
