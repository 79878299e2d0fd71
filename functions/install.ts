/** GET /install: the install page rendered from iparams.json; GET/POST /install/state read and write the
 *  installation named by the platform session (scope `admin`), a write with the CSRF token. */
import { defineInstallFunction } from '@tessera/runtime/install';
import iparams from '../iparams.json';
import { app } from './_app.js';

export const handler = defineInstallFunction(app, { iparams });
