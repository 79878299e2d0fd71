/** The install page at /install: the form from iparams.json, its state for an `admin` session of the platform. */
import { defineInstallFunction } from '@tessera/runtime/install';
import iparams from '../../iparams.json';
import { app } from './_app.js';

export const handler = defineInstallFunction(app, {
  iparams,
  path: '/install', // also serves /install/page.js, /install/page.css, /install/state
  scopes: ['admin'], // every scope the session must carry to read or write the installation
});
