'use strict';

// Tests of the plugin host's provider.request (./aws-request.js) against moto on loopback
// (SLS_TEST_AWS_ENDPOINT=http://127.0.0.1:<port>) and against small HTTP servers of the test's own
// on 127.0.0.1 (retries, caching, concurrency, TLS). Node built-ins only; fake keys only.
// Run: SLS_TEST_AWS_ENDPOINT=http://127.0.0.1:<port> node --test crates/sls-plugins/host/aws-request.test.js

const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const net = require('node:net');
const https = require('node:https');
const util = require('node:util');
const { Readable } = require('node:stream');
const { createRequest, endpointsFromEnv } = require('./aws-request.js');

const MOTO = process.env.SLS_TEST_AWS_ENDPOINT;
if (!MOTO) {
  throw new Error(
    'SLS_TEST_AWS_ENDPOINT is not set: start moto (scripts/setup-moto.sh, then ' +
      '.venv-moto/bin/moto_server -H 127.0.0.1 -p <port>) and set SLS_TEST_AWS_ENDPOINT=http://127.0.0.1:<port>'
  );
}
// These tests never leave the machine.
if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(MOTO).hostname)) {
  throw new Error(`SLS_TEST_AWS_ENDPOINT must be a loopback address, not ${MOTO}`);
}

// Fake keys; the secret and token must never show in an error.
const CREDENTIALS = {
  accessKeyId: 'AKIAFAKEKEYFORTESTS1',
  secretAccessKey: 'fakeSecretKeyForTests/DoNotUse+0123456789',
  sessionToken: 'FakeSessionTokenForTests0123456789abcdef',
};
const FAST = { backoff: () => 10 }; // v3 waits 4-7 s between its tries; one test keeps that

const motoRequest = (extra = {}) =>
  createRequest({ region: 'us-east-1', credentials: CREDENTIALS, endpoints: { default: MOTO }, ...FAST, ...extra });

const post = (path, body) =>
  new Promise((resolve, reject) => {
    const req = http.request(new URL(path, MOTO), { method: 'POST' }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode < 300 ? resolve() : reject(new Error(`${path}: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });

// A loopback HTTP(S) server answering with handler(req, body, n) → [status, xml]; counts requests.
async function fakeAws(handler, tlsOptions) {
  const state = { count: 0, inFlight: 0, maxInFlight: 0, requests: [] };
  const onRequest = (req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', async () => {
      state.count += 1;
      state.inFlight += 1;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      state.requests.push({ headers: req.headers, body });
      const [status, xml] = await handler(req, new URLSearchParams(body), state.count);
      state.inFlight -= 1;
      res.writeHead(status, { 'content-type': 'text/xml' });
      res.end(xml);
    });
  };
  const server = tlsOptions ? https.createServer(tlsOptions, onRequest) : http.createServer(onRequest);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `${tlsOptions ? 'https' : 'http'}://127.0.0.1:${server.address().port}`;
  state.close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  };
  return state;
}

// CloudFormation's query-protocol answers.
const cfnError = (code, message) =>
  `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type>` +
  `<Code>${code}</Code><Message>${message}</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`;
const cfnStacks = (name) =>
  `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks>` +
  `<member><StackName>${name}</StackName><StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/${name}/1</StackId>` +
  `<CreationTime>2024-01-01T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus></member>` +
  `</Stacks></DescribeStacksResult><ResponseMetadata><RequestId>req-2</RequestId></ResponseMetadata></DescribeStacksResponse>`;

// A zip with one stored file (enough for Lambda's CreateFunction): node has no zip writer.
function zipOneFile(name, text) {
  const data = Buffer.from(text);
  const fileName = Buffer.from(name);
  let crc = ~0;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k += 1) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  crc = ~crc >>> 0;
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  const centralOffset = local.length + fileName.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + fileName.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, fileName, data, central, fileName, end]);
}

const rejectsWith = async (promise) => {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the request to fail');
};

test.before(() => post('/moto-api/reset'));

test('CloudFormation createStack, then describeStacks and listStackResources', async () => {
  const request = motoRequest();
  const template = {
    Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'sls-test-queue' } } },
    Outputs: { Greeting: { Value: 'hello world', Export: { Name: 'sls-test-greeting' } } },
  };
  const { StackId } = await request('CloudFormation', 'createStack', {
    StackName: 'sls-test-stack',
    TemplateBody: JSON.stringify(template),
  });
  assert.match(StackId, /^arn:aws:cloudformation:us-east-1:\d+:stack\/sls-test-stack\//);
  const { Stacks } = await request('CloudFormation', 'describeStacks', { StackName: 'sls-test-stack' });
  assert.equal(Stacks.length, 1);
  assert.equal(Stacks[0].StackStatus, 'CREATE_COMPLETE');
  assert.ok(Stacks[0].CreationTime instanceof Date, 'timestamps are Dates, as in v2');
  assert.deepEqual(Stacks[0].Outputs.map((o) => [o.OutputKey, o.OutputValue]), [['Greeting', 'hello world']]);
  const { StackResourceSummaries } = await request('CloudFormation', 'listStackResources', { StackName: 'sls-test-stack' });
  assert.deepEqual(StackResourceSummaries.map((r) => [r.LogicalResourceId, r.ResourceType]), [['Queue', 'AWS::SQS::Queue']]);
  const { QueueUrl } = await request('SQS', 'getQueueUrl', { QueueName: 'sls-test-queue' });
  assert.match(QueueUrl, /\/sls-test-queue$/);
  const { Exports } = await request('CloudFormation', 'listExports', {});
  assert.ok(Exports.some((e) => e.Name === 'sls-test-greeting' && e.Value === 'hello world'));
});

test('describeStacks on a missing stack fails with v3 error code, message and providerError', async () => {
  const request = motoRequest();
  const err = await rejectsWith(request('CloudFormation', 'describeStacks', { StackName: 'no-such-stack' }));
  assert.ok(err instanceof Error);
  assert.equal(err.name, 'ServerlessError');
  assert.equal(err.message, 'Stack with id no-such-stack does not exist');
  assert.equal(err.code, 'AWS_CLOUD_FORMATION_DESCRIBE_STACKS_VALIDATION_ERROR');
  assert.equal(err.providerErrorCodeExtension, 'VALIDATION_ERROR');
  assert.equal(err.providerError.code, 'ValidationError');
  assert.equal(err.providerError.statusCode, 400);
  assert.equal(err.providerError.retryable, false);
});

test('the host can pass its own error class (serverless.classes.Error)', async () => {
  class HostError extends Error {
    constructor(message, code) {
      super(message);
      this.code = code;
    }
  }
  const err = await rejectsWith(motoRequest({ ServerlessError: HostError })('CloudFormation', 'describeStacks', { StackName: 'nope' }));
  assert.ok(err instanceof HostError);
  assert.equal(err.code, 'AWS_CLOUD_FORMATION_DESCRIBE_STACKS_VALIDATION_ERROR');
});

test('Lambda: createFunction, publishVersion, listVersionsByFunction, listAliases, deleteFunction with Qualifier', async () => {
  const request = motoRequest();
  const { Role } = await request('IAM', 'createRole', {
    RoleName: 'sls-test-lambda-role',
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    }),
  });
  const created = await request('Lambda', 'createFunction', {
    FunctionName: 'sls-test-fn',
    Runtime: 'nodejs20.x',
    Role: Role.Arn,
    Handler: 'index.handler',
    Code: { ZipFile: zipOneFile('index.js', 'exports.handler = async () => "hi";\n') },
  });
  assert.equal(created.FunctionName, 'sls-test-fn');
  const published = await request('Lambda', 'publishVersion', { FunctionName: 'sls-test-fn' });
  assert.equal(published.Version, '1');
  await request('Lambda', 'createAlias', { FunctionName: 'sls-test-fn', Name: 'live', FunctionVersion: '1' });
  const { Aliases } = await request('Lambda', 'listAliases', { FunctionName: 'sls-test-fn' });
  assert.deepEqual(Aliases.map((a) => a.Name), ['live']);
  const versions = async () =>
    (await request('Lambda', 'listVersionsByFunction', { FunctionName: 'sls-test-fn' })).Versions.map((v) => v.Version);
  assert.deepEqual(await versions(), ['$LATEST', '1']);
  await request('Lambda', 'deleteAlias', { FunctionName: 'sls-test-fn', Name: 'live' });
  // serverless-prune-plugin deletes old versions this way.
  await request('Lambda', 'deleteFunction', { FunctionName: 'sls-test-fn', Qualifier: '1' });
  assert.deepEqual(await versions(), ['$LATEST']);
  await request('Lambda', 'deleteFunction', { FunctionName: 'sls-test-fn' });
  const err = await rejectsWith(request('Lambda', 'getFunction', { FunctionName: 'sls-test-fn' }));
  assert.equal(err.code, 'AWS_LAMBDA_GET_FUNCTION_RESOURCE_NOT_FOUND_EXCEPTION');
  assert.equal(err.providerError.statusCode, 404);
});

test('Lambda layers: publishLayerVersion, listLayerVersions, deleteLayerVersion', async () => {
  const request = motoRequest();
  const { Version } = await request('Lambda', 'publishLayerVersion', {
    LayerName: 'sls-test-layer',
    Content: { ZipFile: zipOneFile('nodejs/lib.js', 'module.exports = 1;\n') },
  });
  const list = async () =>
    (await request('Lambda', 'listLayerVersions', { LayerName: 'sls-test-layer' })).LayerVersions.map((l) => l.Version);
  assert.deepEqual(await list(), [Version]);
  await request('Lambda', 'deleteLayerVersion', { LayerName: 'sls-test-layer', VersionNumber: Version });
  assert.deepEqual(await list(), []);
});

test('S3 upload (managed, path-style on a loopback endpoint), then getObject', async () => {
  const request = motoRequest();
  await request('S3', 'createBucket', { Bucket: 'sls-test-bucket' });
  const small = await request('S3', 'upload', { Bucket: 'sls-test-bucket', Key: 'a/small.txt', Body: 'hello from upload' });
  // Path-style: the bucket is in the path, not the host name.
  assert.equal(small.Location, `${MOTO}/sls-test-bucket/a/small.txt`);
  assert.equal(small.Key, 'a/small.txt');
  const got = await request('S3', 'getObject', { Bucket: 'sls-test-bucket', Key: 'a/small.txt' });
  assert.ok(Buffer.isBuffer(got.Body));
  assert.equal(got.Body.toString(), 'hello from upload');
  // Over 5 MB from a stream: the managed upload goes multipart, as with v3's artifact uploads.
  const big = Buffer.alloc(6 * 1024 * 1024, 'x');
  await request('S3', 'upload', { Bucket: 'sls-test-bucket', Key: 'big.bin', Body: Readable.from([big.subarray(0, 1024), big.subarray(1024)]) });
  const head = await request('S3', 'headObject', { Bucket: 'sls-test-bucket', Key: 'big.bin' });
  assert.equal(head.ContentLength, big.length);
  assert.match(head.ETag, /-2"$/, 'a multipart ETag');
  const missing = await rejectsWith(request('S3', 'headObject', { Bucket: 'sls-test-bucket', Key: 'nope' }));
  assert.equal(missing.code, 'AWS_S3_HEAD_OBJECT_NOT_FOUND');
  assert.equal(missing.message, 'NotFound', 'v2 has no message for a body-less 404: v3 uses the code');
});

test('StepFunctions: createStateMachine, startExecution, describeExecution, getExecutionHistory', async () => {
  const request = motoRequest();
  const { stateMachineArn } = await request('StepFunctions', 'createStateMachine', {
    name: 'sls-test-sm',
    roleArn: 'arn:aws:iam::123456789012:role/sls-test-sfn',
    definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } }),
  });
  const { executionArn } = await request('StepFunctions', 'startExecution', { stateMachineArn, input: '{"a":1}' });
  const described = await request('StepFunctions', 'describeExecution', { executionArn });
  assert.equal(described.executionArn, executionArn);
  assert.equal(described.input, '{"a":1}');
  const history = await request('StepFunctions', 'getExecutionHistory', { executionArn });
  assert.ok(Array.isArray(history.events));
});

test('DynamoDB and the dotted DynamoDB.DocumentClient that v3 resolves', async () => {
  const request = motoRequest();
  await request('DynamoDB', 'createTable', {
    TableName: 'sls-test-table',
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
  await request('DynamoDB.DocumentClient', 'put', { TableName: 'sls-test-table', Item: { id: 'a', n: 1, tags: ['x'] } });
  const { Item } = await request('DynamoDB.DocumentClient', 'get', { TableName: 'sls-test-table', Key: { id: 'a' } });
  assert.deepEqual(Item, { id: 'a', n: 1, tags: ['x'] });
});

test('options.region overrides the region for one call', async () => {
  const request = motoRequest();
  const { StackId } = await request(
    'CloudFormation',
    'createStack',
    { StackName: 'sls-test-eu', TemplateBody: JSON.stringify({ Resources: { H: { Type: 'AWS::CloudFormation::WaitConditionHandle' } } }) },
    { region: 'eu-west-1' }
  );
  assert.match(StackId, /:eu-west-1:/);
  const { Stacks } = await request('CloudFormation', 'describeStacks', { StackName: 'sls-test-eu' }, { region: 'eu-west-1' });
  assert.equal(Stacks[0].StackName, 'sls-test-eu');
  // Not in the default region (us-east-1).
  const err = await rejectsWith(request('CloudFormation', 'describeStacks', { StackName: 'sls-test-eu' }));
  assert.equal(err.providerError.code, 'ValidationError');
});

test('unknown service, service not bundled, unknown method: errors that name them', async () => {
  const request = motoRequest();
  const unknown = await rejectsWith(request('CloudFormations', 'describeStacks'));
  assert.equal(unknown.code, 'AWS_REQUEST_UNKNOWN_SERVICE');
  assert.match(unknown.message, /Unknown AWS service "CloudFormations"/);
  const notBundled = await rejectsWith(request('EC2', 'describeInstances'));
  assert.equal(notBundled.code, 'AWS_REQUEST_SERVICE_NOT_INCLUDED');
  assert.match(notBundled.message, /"EC2".*sls's plugin host does not include that AWS service/);
  const method = await rejectsWith(request('CloudFormation', 'describeStack', { StackName: 'x' }));
  assert.equal(method.code, 'AWS_REQUEST_UNKNOWN_METHOD');
  assert.match(method.message, /AWS service "CloudFormation" has no method "describeStack"/);
  const cased = await rejectsWith(request('Lambda', 'ListVersionsByFunction', {}));
  assert.match(cased.message, /did you mean "listVersionsByFunction"/);
  // SDK internals are not methods of the API.
  const internal = await rejectsWith(request('S3', 'makeRequest', {}));
  assert.equal(internal.code, 'AWS_REQUEST_UNKNOWN_METHOD');
});

test('no credentials: v3 error, without a request', async () => {
  const server = await fakeAws(() => [200, cfnStacks('x')]);
  try {
    const request = createRequest({ region: 'us-east-1', endpoints: { default: server.url } });
    const err = await rejectsWith(request('CloudFormation', 'describeStacks', {}));
    assert.equal(err.code, 'AWS_CREDENTIALS_NOT_FOUND');
    assert.match(err.message, /^AWS provider credentials not found\./);
    assert.equal(server.count, 0);
  } finally {
    await server.close();
  }
});

test('v3 retries throttling after the SDK own retries, and logs each try', async () => {
  // v2 tries 4 times (3 retries) itself; v3 then retries the whole call up to 4 times.
  const server = await fakeAws((req, body, n) => (n <= 5 ? [400, cfnError('Throttling', 'Rate exceeded')] : [200, cfnStacks('s')]));
  const logged = [];
  try {
    const request = createRequest({
      region: 'us-east-1',
      credentials: CREDENTIALS,
      endpoints: { default: server.url },
      log: { info: (m) => logged.push(m) },
      ...FAST,
    });
    const { Stacks } = await request('CloudFormation', 'describeStacks', { StackName: 's' });
    assert.equal(Stacks[0].StackName, 's');
    assert.equal(server.count, 6);
    assert.deepEqual(logged, ['Recoverable error occurred (Rate exceeded), sleeping for ~0 seconds. Try 1 of 4']);
  } finally {
    await server.close();
  }
});

test('HTTP 429 is retried until maxRetries, then fails with v3 code', async () => {
  const server = await fakeAws(() => [429, cfnError('Throttling', 'Slow down')]);
  try {
    const request = createRequest({ region: 'us-east-1', credentials: CREDENTIALS, endpoints: { default: server.url }, maxRetries: 1, ...FAST });
    const err = await rejectsWith(request('CloudFormation', 'describeStacks', {}));
    assert.equal(err.code, 'AWS_CLOUD_FORMATION_DESCRIBE_STACKS_THROTTLING');
    assert.equal(err.message, 'Slow down');
    assert.equal(err.providerError.statusCode, 429);
    assert.equal(server.count, 8, '2 v3 tries × 4 SDK attempts');
  } finally {
    await server.close();
  }
});

test('5xx are retried; 400 validation errors and 403s are not', async () => {
  const cases = [
    [500, 'InternalFailure', 'boom', 4 * 3], // maxRetries 2: 3 v3 tries × 4 SDK attempts
    [400, 'ValidationError', 'bad', 1],
    [403, 'AccessDenied', 'denied', 1],
  ];
  for (const [status, code, message, attempts] of cases) {
    const server = await fakeAws(() => [status, cfnError(code, message)]);
    try {
      const request = createRequest({ region: 'us-east-1', credentials: CREDENTIALS, endpoints: { default: server.url }, maxRetries: 2, ...FAST });
      const err = await rejectsWith(request('CloudFormation', 'describeStacks', {}));
      assert.equal(err.providerError.code, code);
      assert.equal(server.count, attempts, `${status} ${code}`);
    } finally {
      await server.close();
    }
  }
});

test("v3's own delay: 4 to 7 seconds between its tries", async () => {
  const server = await fakeAws((req, body, n) => (n <= 4 ? [429, cfnError('Throttling', 'Rate exceeded')] : [200, cfnStacks('s')]));
  try {
    const request = createRequest({ region: 'us-east-1', credentials: CREDENTIALS, endpoints: { default: server.url } });
    const started = Date.now();
    await request('CloudFormation', 'describeStacks', {});
    const elapsed = Date.now() - started;
    assert.equal(server.count, 5);
    // 4-7 s of v3 backoff plus at most ~0.7 s of the SDK's own backoff.
    assert.ok(elapsed >= 4000 && elapsed < 9000, `took ${elapsed} ms`);
  } finally {
    await server.close();
  }
});

test('useCache shares one request for equal params (any key order); failures are not cached', async () => {
  let fail = true;
  const server = await fakeAws(() => (fail ? [400, cfnError('ValidationError', 'not yet')] : [200, cfnStacks('s')]));
  try {
    const request = createRequest({ region: 'us-east-1', credentials: CREDENTIALS, endpoints: { default: server.url }, ...FAST });
    await rejectsWith(request('CloudFormation', 'describeStacks', { StackName: 's', NextToken: 't' }, { useCache: true }));
    fail = false;
    const a = await request('CloudFormation', 'describeStacks', { StackName: 's', NextToken: 't' }, { useCache: true });
    const b = await request('CloudFormation', 'describeStacks', { NextToken: 't', StackName: 's' }, { useCache: true });
    assert.equal(a, b);
    assert.equal(server.count, 2);
    await request('CloudFormation', 'describeStacks', { StackName: 's', NextToken: 't' });
    assert.equal(server.count, 3, 'without useCache every call goes out');
    await request('CloudFormation', 'describeStacks', { StackName: 's', NextToken: 't' }, { useCache: true, region: 'eu-west-1' });
    assert.equal(server.count, 4, 'another region is another cache entry');
  } finally {
    await server.close();
  }
});

test('at most two requests in flight, as v3 queued them', async () => {
  const server = await fakeAws(async () => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    return [200, cfnStacks('s')];
  });
  try {
    const request = createRequest({ region: 'us-east-1', credentials: CREDENTIALS, endpoints: { default: server.url } });
    await Promise.all(Array.from({ length: 6 }, () => request('CloudFormation', 'describeStacks', {})));
    assert.equal(server.count, 6);
    assert.equal(server.maxInFlight, 2);
  } finally {
    await server.close();
  }
});

test('per-service endpoints (AWS_ENDPOINT_URL_<SERVICE> names or v2 names) win over the default', async () => {
  const server = await fakeAws(() => [200, cfnStacks('from-fake')]);
  try {
    for (const key of ['CLOUDFORMATION', 'CloudFormation']) {
      const request = motoRequest({ endpoints: { default: MOTO, [key]: server.url } });
      const { Stacks } = await request('CloudFormation', 'describeStacks', {});
      assert.equal(Stacks[0].StackName, 'from-fake');
      // Other services still go to the default endpoint (moto).
      assert.equal((await request('STS', 'getCallerIdentity', {})).Account, '123456789012');
    }
    assert.equal(server.count, 2);
  } finally {
    await server.close();
  }
  assert.deepEqual(
    endpointsFromEnv({ AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_ENDPOINT_URL_SFN: 'http://127.0.0.1:2', HOME: '/x' }),
    { default: 'http://127.0.0.1:1', SFN: 'http://127.0.0.1:2' }
  );
  assert.deepEqual(endpointsFromEnv({ AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }), {});
});

test('no secret in error messages, even when a server echoes the request back', async () => {
  const server = await fakeAws((req) => [
    400,
    cfnError('ValidationError', `you sent ${req.headers.authorization} with ${req.headers['x-amz-security-token']} and ${CREDENTIALS.secretAccessKey}`),
  ]);
  try {
    const request = createRequest({ region: 'us-east-1', credentials: CREDENTIALS, endpoints: { default: server.url } });
    const err = await rejectsWith(request('CloudFormation', 'describeStacks', {}));
    assert.ok(server.requests[0].headers['x-amz-security-token'] === CREDENTIALS.sessionToken, 'the token was sent');
    for (const text of [err.message, err.providerError.message, util.inspect(err), String(err.stack)]) {
      assert.ok(!text.includes(CREDENTIALS.secretAccessKey), 'no secret key');
      assert.ok(!text.includes(CREDENTIALS.sessionToken), 'no session token');
      assert.ok(!text.includes(CREDENTIALS.accessKeyId), 'the key id only masked');
    }
    assert.match(err.message, /AKIA…STS1/);
    assert.match(err.message, /<redacted>/);
  } finally {
    await server.close();
  }
});

test('no secret in the error for keys moto refuses (auth checking on)', async () => {
  await post('/moto-api/reset-auth', '0');
  try {
    const request = motoRequest();
    const err = await rejectsWith(request('STS', 'getCallerIdentity', {}));
    // v3 splits every capital of the service name: STS gives S_T_S.
    assert.equal(err.code, 'AWS_S_T_S_GET_CALLER_IDENTITY_INVALID_CLIENT_TOKEN_ID');
    assert.equal(err.providerError.statusCode, 403);
    for (const text of [err.message, util.inspect(err)]) {
      assert.ok(!text.includes(CREDENTIALS.secretAccessKey));
      assert.ok(!text.includes(CREDENTIALS.sessionToken));
    }
  } finally {
    await post('/moto-api/reset-auth', 'inf');
  }
});

// A throw-away CA and a certificate for 127.0.0.1 signed by it (valid until 2126), so that the
// test needs no openssl: the extra CA certificates are trusted, node's own roots still are.
const TEST_CA = `-----BEGIN CERTIFICATE-----
MIIBnTCCAUOgAwIBAgIULbaPgSaESol5Fy7TUIYADphrfcQwCgYIKoZIzj0EAwIw
IzEhMB8GA1UEAwwYc2xzIHRlc3QgQ0EgKHRocm93LWF3YXkpMCAXDTI2MTIwNzAw
MzkwNFoYDzIxMjYxMTEzMDAzOTA0WjAjMSEwHwYDVQQDDBhzbHMgdGVzdCBDQSAo
dGhyb3ctYXdheSkwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQd45QHID3AbV2P
wBsPfdyCZmnOrhbuwiI+B2tMVADhoFQL40Gn++aOIk+8DlrShhIVG95RgW2tGrcU
6DY0NeKoo1MwUTAdBgNVHQ4EFgQUyUcfrfKrPP8LEwi5uSiY7W1Nkp0wHwYDVR0j
BBgwFoAUyUcfrfKrPP8LEwi5uSiY7W1Nkp0wDwYDVR0TAQH/BAUwAwEB/zAKBggq
hkjOPQQDAgNIADBFAiEAoyQUgXjs7zM0sBJAmkWugBjGAgRHEBd3DiNoUkCn/s0C
IDf4lXNoHsefxGzua6/V1ozL9GvsHQyg1vOg5iMaNmUH
-----END CERTIFICATE-----
`;
const TEST_SERVER_CERT = `-----BEGIN CERTIFICATE-----
MIIBuTCCAV+gAwIBAgIUKW9kgB3b0Q4Tn2m2sVoiR0AwGSwwCgYIKoZIzj0EAwIw
IzEhMB8GA1UEAwwYc2xzIHRlc3QgQ0EgKHRocm93LWF3YXkpMCAXDTI2MTIwNzAw
MzkwNVoYDzIxMjYxMTEzMDAzOTA1WjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTAT
BgcqhkjOPQIBBggqhkjOPQMBBwNCAARed8nDrBD7R0lqwzq2Mo5FsS+C5muqyLJl
KlEd0dDh7MCmTapErKs+8mlHuDerleoiZAjpC1PsXxN6vQ0Kctrqo34wfDAaBgNV
HREEEzARhwR/AAABgglsb2NhbGhvc3QwCQYDVR0TBAIwADATBgNVHSUEDDAKBggr
BgEFBQcDATAdBgNVHQ4EFgQUairVtcA6EbGp7Sufj2LCDm9/6qgwHwYDVR0jBBgw
FoAUyUcfrfKrPP8LEwi5uSiY7W1Nkp0wCgYIKoZIzj0EAwIDSAAwRQIgXm3KUZpj
WaQ608GMgUZR0y4WNY4g0C2y3L5HieDs8mYCIQDCVy9L5nbB/hGDnsdbEMqGx/x/
kRNZFDKZ+If29Ca/hA==
-----END CERTIFICATE-----
`;
const TEST_SERVER_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgJeOOOSi0/vGhE0pP
JJvP7qNiEqnC5RnFRPyCh+Ev9YChRANCAARed8nDrBD7R0lqwzq2Mo5FsS+C5muq
yLJlKlEd0dDh7MCmTapErKs+8mlHuDerleoiZAjpC1PsXxN6vQ0Kctrq
-----END PRIVATE KEY-----
`;

test('caCertificates: an https endpoint with a private CA fails without it and works with it', async () => {
  const server = await fakeAws(() => [200, cfnStacks('over-tls')], { cert: TEST_SERVER_CERT, key: TEST_SERVER_KEY });
  try {
    const base = { region: 'us-east-1', credentials: CREDENTIALS, endpoints: { default: server.url }, maxRetries: 0 };
    const untrusted = await rejectsWith(createRequest(base)('CloudFormation', 'describeStacks', {}));
    assert.equal(untrusted.providerError.code, 'NetworkingError');
    assert.match(untrusted.message, /unable to (verify the first|get local issuer) certificate/);
    assert.equal(server.count, 0);
    const request = createRequest({ ...base, caCertificates: [TEST_CA] });
    const { Stacks } = await request('CloudFormation', 'describeStacks', {});
    assert.equal(Stacks[0].StackName, 'over-tls');
  } finally {
    await server.close();
  }
});

// A loopback CONNECT proxy that tunnels to loopback targets only; records what it was asked for.
async function connectProxy() {
  const state = { connects: [] };
  const sockets = new Set();
  const server = http.createServer((req, res) => res.writeHead(405).end());
  server.on('connect', (req, client, head) => {
    state.connects.push(req.url);
    sockets.add(client);
    const [host, port] = req.url.split(':');
    if (host !== '127.0.0.1') return client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    const upstream = net.connect(Number(port), host, () => {
      sockets.add(upstream);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${server.address().port}`;
  state.close = () => {
    // Tunnels are no longer the HTTP server's connections: end them here.
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  };
  return state;
}

test('proxy: every request tunnels through it (http and https with the extra CA), unless NO_PROXY says not', async () => {
  const proxy = await connectProxy();
  const server = await fakeAws(() => [200, cfnStacks('via-proxy')], { cert: TEST_SERVER_CERT, key: TEST_SERVER_KEY });
  try {
    const viaProxy = motoRequest({ proxy: proxy.url, caCertificates: [TEST_CA], endpoints: { default: MOTO, CLOUDFORMATION: server.url } });
    assert.equal((await viaProxy('STS', 'getCallerIdentity', {})).Account, '123456789012');
    assert.equal((await viaProxy('CloudFormation', 'describeStacks', {})).Stacks[0].StackName, 'via-proxy');
    assert.deepEqual(proxy.connects, [new URL(MOTO).host, new URL(server.url).host]);
    const bypass = motoRequest({ proxy: proxy.url, noProxy: 'example.com, 127.0.0.1' });
    await bypass('STS', 'getCallerIdentity', {});
    assert.equal(proxy.connects.length, 2, 'NO_PROXY host went direct');
  } finally {
    await server.close();
    await proxy.close();
  }
});
