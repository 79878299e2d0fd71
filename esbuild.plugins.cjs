// esbuild plugins for the function bundles (serverless.yml custom.esbuild.plugins). In an app of your own this is
// `module.exports = require('@tessera/cli/build').lambdaPlugins();`; here the package's source runs through tsx.
module.exports = require('tsx/cjs/api').require('./packages/cli/src/build/index.ts', __filename).lambdaPlugins();
