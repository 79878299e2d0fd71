/** The example app's one runtime instance, shared by its functions (one iparams cache per Lambda instance). */
import { createApp } from '@tessera/runtime';
import manifest from '../manifest.json';
import type { Iparams } from './iparams.generated.js';

export const app = createApp<Iparams>({ manifest });
