/** Build helpers for function bundles. */
export { lambdaPlugins, trimAxiosPlugin } from './lambda-plugins.js';
