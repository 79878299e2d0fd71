/** A verifier during a shared-secret rotation: the previous secret stops matching by itself at its notAfter. */
import { tesseraExpress } from '@tessera/verify';

export const verifyOrders = tesseraExpress({
  mode: 'shared-secret',
  publicOrigin: 'https://orders.acme.com',
  secrets: [
    process.env.TESSERA_SECRET!, // current
    { secret: process.env.TESSERA_PREVIOUS_SECRET!, notAfter: '2026-12-01T00:00:00Z' }, // previous, until then
  ],
});
