/** Build helpers for function bundles. */
export { lambdaPlugins, trimAxiosPlugin, trimCredentialChainPlugin } from './lambda-plugins.js';
