'use strict';
// esbuild for scripts/bundle-plugin-host-sdk.sh: node build.js <outfile> <banner>.
// The SDK's service models are large JSON files; bundled as JS object literals, V8 must parse them
// all at load. As `JSON.parse('…')` they are one string each, parsed only when a client is first
// built, which makes `require` of the bundle several times faster.
const fs = require('fs');
const esbuild = require('esbuild');

const [outfile, banner] = process.argv.slice(2);
const jsonAsString = {
  name: 'json-as-string',
  setup(build) {
    build.onLoad({ filter: /\.json$/ }, async (args) => {
      const text = JSON.stringify(JSON.parse(await fs.promises.readFile(args.path, 'utf8')));
      return { contents: `module.exports = JSON.parse(${JSON.stringify(text)});`, loader: 'js' };
    });
  },
};

esbuild
  .build({
    entryPoints: [`${__dirname}/src/request.js`],
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node18',
    format: 'cjs',
    legalComments: 'none',
    logLevel: 'warning',
    banner: { js: banner },
    outfile,
    plugins: [jsonAsString],
  })
  .catch(() => process.exit(1));
