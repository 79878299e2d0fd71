/** The app's published JWKS function, and the key it signs with now. */
import { createJwksHandler, createSigningKeyProvider } from '@tessera/runtime/keys';
import { createEdDsaSigner, createEs256Signer } from '@tessera/runtime/outbound';

export const handler = createJwksHandler({ appId: 'order-lookup' }); // GET /.well-known/jwks.json
const provider = createSigningKeyProvider({ appId: 'order-lookup' }); // re-reads SSM at most every 60 s
const { kid, alg, privateKey } = await provider.current(); // the key that signs now
export const sign = alg === 'ES256' ? createEs256Signer(privateKey, kid) : createEdDsaSigner(privateKey, kid);
