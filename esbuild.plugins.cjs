// esbuild plugins for the function bundles (serverless.yml custom.esbuild.plugins). In a published app this is
// `module.exports = require('@tessera/cli/build').lambdaPlugins();`; in this repository the source is loaded through tsx.
module.exports = require('tsx/cjs/api').require('./packages/cli/src/build/index.ts', __filename).lambdaPlugins();
