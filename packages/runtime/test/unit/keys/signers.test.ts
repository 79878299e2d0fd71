/** The asymmetric signers of src/outbound/_sign.ts: header, claims, JOSE signature encoding, key checks. */
import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, exportJWK, importJWK, jwtVerify } from 'jose';
import { createEdDsaSigner, createEs256Signer } from '../../../src/outbound/index.js';
import { TOKEN_TYPE, type RequestClaims } from '../../../../protocol/src/index.js';

const NOW = 1_800_000_000;
const CLAIMS: RequestClaims = {
  iss: 'order-lookup',
  sub: 'acme',
  aud: 'https://a.example.com',
  iat: NOW,
  nbf: NOW,
  exp: NOW + 30,
  jti: 'abcdefghijklmnopqrstuv',
  htm: 'POST',
  htu: 'https://a.example.com/orders',
  bh: 'x',
};

describe.each([
  ['ES256', createEs256Signer, () => generateKeyPairSync('ec', { namedCurve: 'P-256' }), 64],
  ['EdDSA', createEdDsaSigner, () => generateKeyPairSync('ed25519'), 64],
] as const)('%s signer', (alg, create, pair, signatureBytes) => {
  it('writes {alg, typ, kid} and the exact claims, verifiable by jose with the public key', async () => {
    // Prepare
    const { privateKey, publicKey } = pair();
    const sign = create(privateKey, 'kid-1');
    // Act
    const token = sign(CLAIMS);
    const { payload } = await jwtVerify(token, await importJWK(await exportJWK(publicKey), alg), {
      algorithms: [alg],
      currentDate: new Date(NOW * 1000),
    });
    // Assess
    expect(decodeProtectedHeader(token)).toEqual({ alg, typ: TOKEN_TYPE, kid: 'kid-1' });
    expect(payload).toEqual(CLAIMS);
  });

  it(`uses the JOSE raw signature form (${signatureBytes} bytes), not DER`, () => {
    const token = create(pair().privateKey, 'k')(CLAIMS);
    expect(Buffer.from(token.split('.')[2]!, 'base64url')).toHaveLength(signatureBytes);
  });

  it('is refused by jose under another key', async () => {
    const token = create(pair().privateKey, 'k')(CLAIMS);
    const other = await importJWK(await exportJWK(pair().publicKey), alg);
    await expect(jwtVerify(token, other, { algorithms: [alg], currentDate: new Date(NOW * 1000) })).rejects.toThrow();
  });

  it('rejects a public key, a key of the other kind, or an empty kid at construction', () => {
    const wrong = alg === 'ES256' ? generateKeyPairSync('ed25519').privateKey : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(() => create(pair().publicKey, 'k')).toThrow(TypeError);
    expect(() => create(wrong, 'k')).toThrow(TypeError);
    expect(() => create(pair().privateKey, '')).toThrow(/kid must be a non-empty string/);
  });
});

it('createEs256Signer refuses a P-384 key', () => {
  expect(() => createEs256Signer(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey, 'k')).toThrow(/private prime256v1 KeyObject/);
});
