/** GET /csrf: the CSRF token for addNote (csrf: true), bound to the caller's session or Basic credentials. */
import { app } from './_app.js';

export const handler = app.defineCsrfFunction();
