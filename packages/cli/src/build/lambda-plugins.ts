/** esbuild plugins for function bundles: trims what the SDK and axios load but a function never uses, for faster cold starts. */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Plugin } from 'esbuild';

const CREDENTIALS_NAMESPACE = 'tessera-lambda-credentials';

/**
 * The SDK's default credential chain with its first link bundled and the rest loaded only when needed: the same
 * order and rules as `@aws-sdk/credential-provider-node` (a profile skips the environment).
 */
const CREDENTIAL_CHAIN = `import { ENV_KEY, ENV_SECRET, fromEnv } from '@aws-sdk/credential-provider-env';
export const defaultProvider = (init = {}) => {
  let rest;
  return async (props) => {
    const profile = init.profile ?? process.env.AWS_PROFILE;
    if (!profile && process.env[ENV_KEY] && process.env[ENV_SECRET]) return fromEnv(init)();
    rest ??= import('@aws-sdk/credential-provider-node').then((m) => m.defaultProvider(init));
    return (await rest)(props);
  };
};
export const credentialsWillNeedRefresh = (c) => c?.expiration !== undefined;
export const credentialsTreatedAsExpired = (c) => c?.expiration !== undefined && c.expiration.getTime() - Date.now() < 300000;
`;

/**
 * On Lambda the credentials are always in the environment, yet the SDK's default chain bundles every other source
 * (SSO, profiles, processes, web identity, container and instance metadata, with their nested STS/SSO clients:
 * 137 KiB, about 6 ms of cold init measured here). The bundle keeps the environment link and loads the full chain,
 * unbundled, only when the environment has no credentials or names a profile: on Lambda that is the runtime's own
 * copy of the SDK, elsewhere the app's node_modules.
 * @example
 * await esbuild.build({ entryPoints: ['functions/getOrder.ts'], bundle: true, plugins: [trimCredentialChainPlugin()] });
 */
export function trimCredentialChainPlugin(): Plugin {
  return {
    name: 'tessera-trim-credential-chain',
    setup(build) {
      build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, async (args) => {
        if (args.namespace === CREDENTIALS_NAMESPACE) return { path: args.path, external: true };
        if (args.pluginData?.real === true) return undefined;
        const real = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: { real: true } });
        if (real.errors.length > 0) return undefined;
        // The stub resolves credential-provider-env from the real package's folder, where npm put its dependency.
        return { path: real.path, namespace: CREDENTIALS_NAMESPACE, pluginData: { resolveDir: dirname(real.path) } };
      });
      build.onLoad({ filter: /.*/, namespace: CREDENTIALS_NAMESPACE }, (args) => ({
        contents: CREDENTIAL_CHAIN,
        loader: 'js',
        resolveDir: (args.pluginData as { resolveDir: string }).resolveDir,
      }));
    },
  };
}

const FORM_DATA_PROBE = /typeof G\.FormData !== 'undefined' \? G\.FormData : undefined/;

/**
 * axios probes `fetch`/`Request` when imported, which makes Node load undici (measured 20-40 ms of cold init), and
 * pulls in form-data with mime-db (130 KiB). Tessera's customer client always uses axios' http adapter and never
 * sends FormData, so the bundle gets stubs for both.
 * @example
 * // esbuild.plugins.cjs, named by serverless.yml custom.esbuild.plugins
 * module.exports = require('@tessera/cli/build').lambdaPlugins();
 */
export function trimAxiosPlugin(): Plugin {
  return {
    name: 'tessera-trim-axios',
    setup(build) {
      // utils.js reads the global FormData at import; left untouched if a later axios words it differently.
      build.onLoad({ filter: /[\\/]axios[\\/]lib[\\/]utils\.js$/ }, async (args) => ({
        contents: (await readFile(args.path, 'utf8')).replace(FORM_DATA_PROBE, 'undefined'),
        loader: 'js',
        resolveDir: dirname(args.path),
      }));
      build.onLoad({ filter: /[\\/]axios[\\/]lib[\\/]adapters[\\/]fetch\.js$/ }, () => ({
        contents: 'export const getFetch = () => false;\nexport default false;\n',
        loader: 'js',
      }));
      build.onResolve({ filter: /^form-data$/ }, () => ({ path: 'form-data', namespace: 'tessera-stub' }));
      build.onLoad({ filter: /.*/, namespace: 'tessera-stub' }, () => ({
        contents: 'module.exports = class FormData {};\n',
        loader: 'js',
      }));
    },
  };
}

/**
 * Every plugin a Tessera function bundle should use.
 * @example
 * await esbuild.build({ entryPoints: ['functions/getOrder.ts'], bundle: true, plugins: lambdaPlugins() });
 */
export function lambdaPlugins(): Plugin[] {
  return [trimAxiosPlugin(), trimCredentialChainPlugin()];
}
