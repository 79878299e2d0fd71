/** The app: one per bundle, one iparams cache per Lambda instance. */
import { createApp } from '@tessera/runtime';
import manifest from '../../manifest.json';
import type { Iparams } from '../../functions/iparams.generated.js';

export const app = createApp<Iparams>({ manifest });
