import express from 'express';
import { tesseraExpress } from '@tessera/verify';

const app = express();
app.use(
  '/orders',
  tesseraExpress({
    mode: 'jwt', // or 'shared-secret'
    installationId: 'acme', // the installation(s) this server serves
    secrets: [process.env.TESSERA_SECRET!], // during a rotation: [current, previous]
    publicOrigin: 'https://orders.acme.com', // this server as the app calls it
    issuer: 'order-lookup', // the app id
  }),
  express.json(),
);
app.get('/orders/:id', (req, res) => void res.json({ id: req.params.id, claims: req.tessera?.claims }));
