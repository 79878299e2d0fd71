/** esbuild plugins for function bundles: trims what axios loads but Tessera never uses, for faster cold starts. */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Plugin } from 'esbuild';

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
  return [trimAxiosPlugin()];
}
