'use strict';
// sls invoke local: Node.js runtime wrapper (shipped inside the sls binary).
//
// Usage: node invoke.cjs INPUT.json
// INPUT.json: { handlerBase, handlerName, event, context, customContext, deadlineMs, resultPath }
//
// The handler's own output (console.log, process.stdout) goes wherever fd 1 points: sls points it
// at its stderr. The result travels through `resultPath`: first line `OK` or `ERROR`, then the text
// sls prints on stdout (JSON.stringify(value, null, 4), as Serverless v3 prints it).

const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');

const input = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
let responded = false;

function writeResult(status, text) {
  fs.writeFileSync(input.resultPath, `${status}\n${text}`);
}

function errorShape(err) {
  if (err instanceof Error) {
    return {
      errorMessage: err.message,
      errorType: (err.constructor && err.constructor.name) || err.name || 'Error',
      stackTrace: err.stack ? err.stack.split('\n') : [],
    };
  }
  return { errorMessage: err };
}

function fail(err, errorType) {
  if (responded) return;
  responded = true;
  const shape = errorShape(err);
  if (errorType) shape.errorType = errorType;
  let text;
  try {
    text = JSON.stringify(shape, null, 4);
  } catch {
    text = JSON.stringify({ errorMessage: String(err), errorType: shape.errorType }, null, 4);
  }
  writeResult('ERROR', text);
  process.exitCode = 1;
}

function succeed(result) {
  if (responded) return;
  if (result instanceof Error) {
    fail(result);
    return;
  }
  responded = true;
  // Serverless v3: a JSON API response has its body shown parsed.
  if (
    result &&
    typeof result === 'object' &&
    result.headers &&
    result.headers['Content-Type'] === 'application/json' &&
    typeof result.body === 'string' &&
    result.body
  ) {
    try {
      result = Object.assign({}, result, { body: JSON.parse(result.body) });
    } catch {
      responded = false;
      fail(
        new Error('Content-Type of response is application/json but body is not json'),
        'Runtime.InvalidResponse'
      );
      return;
    }
  }
  let text;
  try {
    text = result === undefined || result === null ? '' : JSON.stringify(result, null, 4);
  } catch (e) {
    responded = false;
    fail(
      new Error(`Function returned invalid (not a JSON stringifiable) value: ${e.message}`),
      'Runtime.MarshalError'
    );
    return;
  }
  writeResult('OK', text === undefined ? '' : text);
}

process.on('uncaughtException', (err) => {
  fail(err);
  process.exit(1);
});
process.on('unhandledRejection', (reason) => {
  fail(reason);
  process.exit(1);
});

function nearestPackageType(dir) {
  for (let d = dir; ; ) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(d, 'package.json'), 'utf8'));
      return pkg.type || 'commonjs';
    } catch (e) {
      if (e.code !== 'ENOENT' && e.code !== 'ENOTDIR') return 'commonjs';
    }
    const up = path.dirname(d);
    if (up === d) return 'commonjs';
    d = up;
  }
}

async function loadModule(base) {
  // Lambda's order: .js, then .mjs, then .cjs.
  for (const ext of ['.js', '.mjs', '.cjs']) {
    const file = base + ext;
    if (!fs.existsSync(file)) continue;
    const esm =
      ext === '.mjs' || (ext === '.js' && nearestPackageType(path.dirname(file)) === 'module');
    if (esm) return import(pathToFileURL(file).href);
    try {
      return require(file);
    } catch (e) {
      if (e.code === 'ERR_REQUIRE_ESM') return import(pathToFileURL(file).href);
      throw e;
    }
  }
  // No file with a known extension: let require() explain (directories, missing files).
  return require(base);
}

function makeContext() {
  const c = input.context;
  const context = {
    awsRequestId: c.awsRequestId,
    invokeid: c.awsRequestId,
    functionName: c.functionName,
    functionVersion: c.functionVersion,
    invokedFunctionArn: c.invokedFunctionArn,
    memoryLimitInMB: c.memoryLimitInMB,
    logGroupName: c.logGroupName,
    logStreamName: c.logStreamName,
    isDefaultFunctionVersion: true,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis() {
      return Math.max(input.deadlineMs - Date.now(), 0);
    },
    succeed(result) {
      finish(null, result);
    },
    fail(error) {
      finish(error);
    },
    done(error, result) {
      finish(error, result);
    },
  };
  if (input.customContext && typeof input.customContext === 'object') {
    Object.assign(context, input.customContext);
  }
  return context;
}

let context;

function finish(err, result) {
  if (err) fail(err);
  else succeed(result);
}

function callback(err, result) {
  finish(err, result);
  // Lambda returns when the event loop is empty unless told not to wait.
  if (context && context.callbackWaitsForEmptyEventLoop === false) process.exit();
}

(async () => {
  let mod;
  try {
    mod = await loadModule(input.handlerBase);
  } catch (e) {
    fail(e, 'Runtime.ImportModuleError');
    return;
  }
  let handler = mod && mod[input.handlerName];
  if (typeof handler !== 'function' && mod && mod.default && typeof mod.default === 'object') {
    handler = mod.default[input.handlerName];
  }
  if (typeof handler !== 'function') {
    fail(
      new Error(`${path.basename(input.handlerBase)}.${input.handlerName} is undefined or not exported`),
      'Runtime.HandlerNotFound'
    );
    return;
  }
  context = makeContext();
  let returned;
  try {
    returned = handler(input.event, context, callback);
  } catch (e) {
    fail(e);
    return;
  }
  if (returned && typeof returned.then === 'function') {
    // An async handler is done when its promise settles (Lambda does not wait for the event loop).
    try {
      succeed(await returned);
    } catch (e) {
      fail(e);
    }
    process.exit();
  } else if (returned !== undefined) {
    // Serverless v3 treats any value a handler returns as its result.
    succeed(returned);
  }
})();
