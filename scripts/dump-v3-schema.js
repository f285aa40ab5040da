// Records the configuration schema Serverless Framework v3 validates serverless.yml against
// (core schema + AWS provider + every event, after all `configSchemaHandler` calls), as JSON
// with its `#/definitions/…` references kept. Used to refresh
// crates/sls-config/src/schema/v3-schema.json:
//   NODE_OPTIONS="--require $PWD/scripts/dump-v3-schema.js" SLS_SCHEMA_OUT=out.json \
//     node_modules/.bin/serverless print   (in any AWS service folder without plugins)
// The output is data derived from v3's schema; no v3 code is copied.
'use strict';
const Module = require('module');
const fs = require('fs');
const origLoad = Module._load;
Module._load = function (request) {
  const loaded = origLoad.apply(this, arguments);
  if (request.endsWith('config-schema-handler') && !loaded.prototype.__dumped) {
    const validate = loaded.prototype.validateConfig;
    loaded.prototype.validateConfig = function (userConfig) {
      fs.writeFileSync(process.env.SLS_SCHEMA_OUT, JSON.stringify(this.schema));
      return validate.call(this, userConfig);
    };
    loaded.prototype.__dumped = true;
  }
  return loaded;
};
