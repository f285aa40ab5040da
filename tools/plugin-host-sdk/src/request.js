'use strict';

// provider.request(service, method, params, options) for the plugins that sls's plugin host runs,
// with the semantics of Serverless Framework v3 (lib/aws/request.js and AwsProvider#request):
// the AWS SDK for JavaScript v2 (what v3 used, so plugins see the same method names, parameters,
// results and error codes), v3's retry loop around it, v3's error shape, `useCache` memoization and
// at most two requests in flight. What the host adds: credentials, region, endpoints and extra CA
// certificates come in explicitly (node never reads the AWS profile files, env or instance metadata
// here), the set of services is the bundled one, and secrets are scrubbed from error messages.

const https = require('https');
const tls = require('tls');
const util = require('util');
const HttpsProxyAgent = require('https-proxy-agent');

require('aws-sdk/lib/node_loader');
const AWS = require('aws-sdk/lib/core');
// The SDK is end-of-support and says so on stderr at load; plugins' users can do nothing about it.
require('aws-sdk/lib/maintenance_mode_message').suppress = true;

// The bundled services: v2 name → [the client, the AWS_ENDPOINT_URL_<SERVICE> suffix (the SDK
// serviceId, upper case, spaces as underscores)]. Requires stay literal so esbuild bundles them;
// they run on first use, keeping load time low.
const SERVICES = {
  ACM: [() => require('aws-sdk/clients/acm'), 'ACM'],
  APIGateway: [() => require('aws-sdk/clients/apigateway'), 'API_GATEWAY'],
  ApiGatewayV2: [() => require('aws-sdk/clients/apigatewayv2'), 'APIGATEWAYV2'],
  CloudFormation: [() => require('aws-sdk/clients/cloudformation'), 'CLOUDFORMATION'],
  CloudFront: [() => require('aws-sdk/clients/cloudfront'), 'CLOUDFRONT'],
  CloudWatch: [() => require('aws-sdk/clients/cloudwatch'), 'CLOUDWATCH'],
  CloudWatchLogs: [() => require('aws-sdk/clients/cloudwatchlogs'), 'CLOUDWATCH_LOGS'],
  DynamoDB: [() => require('aws-sdk/clients/dynamodb'), 'DYNAMODB'],
  // v3 resolves dotted names (`_get(sdk, name)`), so plugins may ask for the document client.
  'DynamoDB.DocumentClient': [() => require('aws-sdk/clients/dynamodb').DocumentClient, 'DYNAMODB'],
  EventBridge: [() => require('aws-sdk/clients/eventbridge'), 'EVENTBRIDGE'],
  IAM: [() => require('aws-sdk/clients/iam'), 'IAM'],
  Lambda: [() => require('aws-sdk/clients/lambda'), 'LAMBDA'],
  Route53: [() => require('aws-sdk/clients/route53'), 'ROUTE_53'],
  S3: [() => require('aws-sdk/clients/s3'), 'S3'],
  SecretsManager: [() => require('aws-sdk/clients/secretsmanager'), 'SECRETS_MANAGER'],
  SNS: [() => require('aws-sdk/clients/sns'), 'SNS'],
  SQS: [() => require('aws-sdk/clients/sqs'), 'SQS'],
  SSM: [() => require('aws-sdk/clients/ssm'), 'SSM'],
  StepFunctions: [() => require('aws-sdk/clients/stepfunctions'), 'SFN'],
  STS: [() => require('aws-sdk/clients/sts'), 'STS'],
};

// The document client's methods are its own, not the DynamoDB API's operations.
const DOCUMENT_CLIENT_METHODS = [
  'batchGet', 'batchWrite', 'delete', 'get', 'put', 'update', 'scan', 'query', 'transactGet',
  'transactWrite',
];

// Every service name of the SDK v2 (about 20 kB), to tell "not bundled" from "no such service".
const ALL_V2_SERVICE_NAMES = new Set(
  Object.values(require('aws-sdk/apis/metadata.json')).map((service) => service.name)
);

// v3's lib/serverless-error.js; the host may pass serverless.classes.Error instead.
class ServerlessError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}
Object.defineProperty(ServerlessError.prototype, 'name', {
  value: 'ServerlessError',
  configurable: true,
  writable: true,
});
// The class's own name too, which minification would shorten (util.inspect shows it).
Object.defineProperty(ServerlessError, 'name', { value: 'ServerlessError' });

// v3: 'describeStacks' → 'DESCRIBE_STACKS', 'CloudFormation' → 'CLOUD_FORMATION'.
const normalizeErrorCodePostfix = (name) => name.replace(/(?<!^)([A-Z])/g, '_$1').toUpperCase();

// v3's deep-sort-object-by-key, for cache keys that do not depend on key order.
const deepSortObjectByKey = (value) => {
  if (Array.isArray(value)) return value.map(deepSortObjectByKey);
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  const sorted = {};
  for (const key of Object.keys(value).sort()) sorted[key] = deepSortObjectByKey(value[key]);
  return sorted;
};

// v3's PromiseQueue(2, Infinity): at most two requests (with their retries) at a time.
const createQueue = (concurrency) => {
  let running = 0;
  const waiting = [];
  const next = () => {
    if (running >= concurrency || waiting.length === 0) return;
    running += 1;
    const { job, resolve, reject } = waiting.shift();
    Promise.resolve()
      .then(job)
      .then(resolve, reject)
      .finally(() => {
        running -= 1;
        next();
      });
  };
  return (job) =>
    new Promise((resolve, reject) => {
      waiting.push({ job, resolve, reject });
      next();
    });
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

// moto and other local endpoints serve buckets by path, not as <bucket>.<host> names.
const isIpOrLocalhost = (hostname) => {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || /^[\d.]+$/.test(host) || host.includes(':');
};

// https-proxy-agent 5 takes url.parse-style options (v3 used url.parse for this reason).
const urlToOptions = (proxy) => {
  const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`);
  return {
    protocol: url.protocol,
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port || (url.protocol === 'https:' ? 443 : 80),
    auth: url.username ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined,
  };
};

// NO_PROXY rules (comma-separated; `*` for all; a host or domain, with or without a leading `.`
// or `*.`, matches itself and its subdomains; `:port` narrows to that port).
const bypassesProxy = (noProxy, hostname, port) =>
  String(noProxy || '')
    .split(/[\s,]+/)
    .filter(Boolean)
    .some((rule) => {
      if (rule === '*') return true;
      const [ruleHost, rulePort] = rule.replace(/^\*?\./, '').toLowerCase().split(':');
      const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
      return (host === ruleHost || host.endsWith(`.${ruleHost}`)) && (!rulePort || rulePort === String(port));
    });

// AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> from an environment map, as the endpoints
// argument of createRequest (AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true turns them off).
const endpointsFromEnv = (env) => {
  const endpoints = {};
  if (String(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS || '').toLowerCase() === 'true') return endpoints;
  for (const [key, value] of Object.entries(env)) {
    if (!value) continue;
    if (key === 'AWS_ENDPOINT_URL') endpoints.default = value;
    else if (key.startsWith('AWS_ENDPOINT_URL_')) endpoints[key.slice('AWS_ENDPOINT_URL_'.length)] = value;
  }
  return endpoints;
};

/**
 * @param {object} config
 * @param {string} config.region - the service's region (v3's provider.getRegion())
 * @param {{accessKeyId: string, secretAccessKey: string, sessionToken?: string}} [config.credentials]
 * @param {object} [config.endpoints] - { default: url, <AWS_ENDPOINT_URL_ suffix or v2 name>: url }
 * @param {string[]} [config.caCertificates] - PEM text, trusted in addition to node's roots
 * @param {number} [config.maxRetries] - v3's SLS_AWS_REQUEST_MAX_RETRIES (default 4)
 * @param {string} [config.proxy] - v3's proxy/HTTPS_PROXY/HTTP_PROXY URL, for every AWS request
 * @param {string} [config.noProxy] - NO_PROXY: hosts that bypass the proxy (v3 had none)
 * @param {number} [config.timeout] - v3's AWS_CLIENT_TIMEOUT, milliseconds per HTTP request
 * @param {boolean} [config.s3TransferAcceleration] - v3's --aws-s3-accelerate
 * @param {Function} [config.ServerlessError] - the class of the errors thrown (serverless.classes.Error)
 * @param {{info?: Function, notice?: Function, debug?: Function}} [config.log]
 * @param {() => number} [config.backoff] - milliseconds before a v3 retry (tests shorten it)
 */
function createRequest(config = {}) {
  const {
    region: defaultRegion = 'us-east-1',
    credentials,
    endpoints = {},
    caCertificates = [],
    proxy,
    noProxy,
    timeout,
    s3TransferAcceleration = false,
    log = {},
  } = config;
  const ErrorClass = config.ServerlessError || ServerlessError;
  const maxRetries = config.maxRetries != null && Number(config.maxRetries) >= 0 ? Number(config.maxRetries) : 4;
  // v3: 5 s give or take a jitter of -1..+2 s, so 4 to 7 s.
  const backoff = config.backoff || (() => 5000 + Math.random() * 3000 - 1000);
  const logInfo = log.info || (() => {});
  const logNotice = log.notice || (() => {});
  const logDebug = log.debug || (() => {});

  const sdkCredentials =
    credentials && credentials.accessKeyId
      ? new AWS.Credentials({
          accessKeyId: credentials.accessKeyId,
          secretAccessKey: credentials.secretAccessKey,
          sessionToken: credentials.sessionToken || null,
        })
      : null;

  // Never let a secret reach a message: AWS and proxies may echo request parts back.
  const secrets = [];
  if (credentials) {
    for (const secret of [credentials.secretAccessKey, credentials.sessionToken]) {
      if (secret) secrets.push([secret, '<redacted>']);
    }
    const keyId = credentials.accessKeyId;
    if (keyId) secrets.push([keyId, keyId.length > 8 ? `${keyId.slice(0, 4)}…${keyId.slice(-4)}` : '…']);
  }
  // A proxy URL's password too (http://user:password@host).
  if (proxy) {
    const { password } = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`);
    if (password) secrets.push([password, '<redacted>'], [decodeURIComponent(password), '<redacted>']);
  }
  const scrub = (text) => {
    if (typeof text !== 'string') return text;
    for (const [secret, mask] of secrets) text = text.split(secret).join(mask);
    return text;
  };

  // v3 put the CAs on one agent for every request (the proxy's, or an https.Agent); node's own
  // roots stay trusted too.
  const tlsOptions = caCertificates.length > 0 ? { rejectUnauthorized: true, ca: [...tls.rootCertificates, ...caCertificates] } : {};
  const httpsAgent = caCertificates.length > 0 ? new https.Agent({ ...tlsOptions, maxSockets: 50 }) : null;
  // https-proxy-agent tunnels http and https requests alike through CONNECT, as in v3.
  const proxyAgent = proxy ? new HttpsProxyAgent({ ...urlToOptions(proxy), ...tlsOptions }) : null;

  const endpointFor = (name, envId) => endpoints[envId] || endpoints[name] || endpoints.default;

  const resolveService = (name) => {
    if (typeof name !== 'string' || !name) {
      throw new ErrorClass('provider.request needs the AWS service name as a string, such as "CloudFormation"', 'AWS_REQUEST_INVALID_SERVICE');
    }
    if (Object.prototype.hasOwnProperty.call(SERVICES, name)) return SERVICES[name];
    if (ALL_V2_SERVICE_NAMES.has(name)) {
      throw new ErrorClass(
        `AWS service "${name}" is not available to plugins: sls's plugin host does not include that AWS service ` +
          `(it includes ${Object.keys(SERVICES).join(', ')}).`,
        'AWS_REQUEST_SERVICE_NOT_INCLUDED'
      );
    }
    throw new ErrorClass(
      `Unknown AWS service "${name}": provider.request takes the AWS SDK v2 service names, such as "CloudFormation", "Lambda" or "S3".`,
      'AWS_REQUEST_UNKNOWN_SERVICE'
    );
  };

  // One client per service, region and acceleration setting (v3 memoized its clients alike).
  const clients = new Map();
  const getClient = (name, method, region) => {
    const [load, envId] = resolveService(name);
    const endpoint = endpointFor(name, envId);
    // v3 used the accelerated endpoint for S3 upload/putObject under --aws-s3-accelerate; never
    // with an endpoint override (it would leave the local endpoint for AWS).
    const accelerate = name === 'S3' && !endpoint && s3TransferAcceleration && (method === 'upload' || method === 'putObject');
    const key = JSON.stringify([name, region, accelerate]);
    if (!clients.has(key)) {
      const params = { credentials: sdkCredentials, region, httpOptions: {} };
      if (timeout) params.httpOptions.timeout = Number(timeout);
      if (endpoint) params.endpoint = endpoint;
      if (name === 'S3') {
        params.useAccelerateEndpoint = accelerate;
        if (endpoint && isIpOrLocalhost(new URL(endpoint).hostname)) params.s3ForcePathStyle = true;
      }
      if (accelerate) logNotice('Using S3 Transfer Acceleration Endpoint...');
      const Client = load();
      const client = new Client(params);
      // The agent depends on the endpoint the SDK settled on (NO_PROXY), so it is set afterwards.
      // The SDK hands its agent to http and https alike: an https.Agent only for https endpoints.
      // (The client keeps a copy of httpOptions: set it on the client's own config.)
      const { config: clientConfig, endpoint: { hostname, port, protocol } } = client.service || client;
      if (proxyAgent && !bypassesProxy(noProxy, hostname, port)) {
        clientConfig.httpOptions.agent = proxyAgent;
        // Through the tunnel, TLS to AWS takes the request's options: the CAs go there too (v3
        // gave them only to the proxy connection, so a TLS-inspecting proxy failed).
        Object.assign(clientConfig.httpOptions, tlsOptions);
      } else if (httpsAgent && protocol === 'https:') {
        clientConfig.httpOptions.agent = httpsAgent;
      }
      clients.set(key, client);
    }
    return clients.get(key);
  };

  const checkMethod = (name, client, method) => {
    let methods;
    if (name === 'DynamoDB.DocumentClient') methods = DOCUMENT_CLIENT_METHODS;
    else {
      methods = Object.keys(client.api.operations);
      // S3's managed upload is the one non-API method v3 plugins call through request.
      if (name === 'S3') methods.push('upload');
    }
    if (typeof method === 'string' && methods.includes(method)) return;
    const near = methods.find((m) => typeof method === 'string' && m.toLowerCase() === method.toLowerCase());
    throw new ErrorClass(
      `AWS service "${name}" has no method "${method}"${near ? ` (did you mean "${near}"?)` : ''}.`,
      'AWS_REQUEST_UNKNOWN_METHOD'
    );
  };

  const credentialsNotFound = () =>
    Object.assign(
      new ErrorClass(
        'AWS provider credentials not found. Learn how to set up AWS provider credentials in our docs here: <http://slss.io/aws-creds-setup>.',
        'AWS_CREDENTIALS_NOT_FOUND'
      ),
      {
        providerError: {
          message: 'Missing credentials in config, if using AWS_CONFIG_FILE, set AWS_SDK_LOAD_CONFIG=1',
          code: 'CredentialsError',
          retryable: false,
        },
      }
    );

  // v3's persistentRequest: retry what the SDK calls retryable (its own retries are spent by
  // then), except 403s and credential errors, and always HTTP 429.
  const persistentRequest = async (f, numTry = 0) => {
    try {
      return await f();
    } catch (e) {
      const { providerError } = e;
      if (
        numTry < maxRetries &&
        providerError &&
        ((providerError.retryable &&
          providerError.statusCode !== 403 &&
          providerError.code !== 'CredentialsError' &&
          providerError.code !== 'ExpiredTokenException') ||
          providerError.statusCode === 429)
      ) {
        const nextTryNum = numTry + 1;
        const backOff = backoff();
        logInfo(
          `Recoverable error occurred (${e.message}), sleeping for ~${Math.round(backOff / 1000)} seconds. ` +
            `Try ${nextTryNum} of ${maxRetries}`
        );
        await sleep(backOff);
        return persistentRequest(f, nextTryNum);
      }
      throw e;
    }
  };

  const queue = createQueue(2);

  let requestCounter = 0;
  const awsRequest = async (name, method, params, region) => {
    const client = getClient(name, method, region);
    checkMethod(name, client, method);
    if (!sdkCredentials) throw credentialsNotFound();
    return queue(() =>
      persistentRequest(async () => {
        const requestId = ++requestCounter;
        // As v3's `aws` debug log, without the credentials it printed.
        logDebug(`[${requestId}] ${name}.${method} (${region}) ${util.inspect(params, { depth: 4 })}`);
        try {
          return await client[method](params).promise();
        } catch (err) {
          if (err && typeof err === 'object') err.message = scrub(err.message);
          logDebug(`[${requestId}] ${err && err.code}: ${err && err.message}`);
          const message = err.message != null ? err.message : String(err.code);
          const providerErrorCodeExtension = (() => {
            if (!err.code) return 'ERROR';
            if (typeof err.code === 'number') return `HTTP_${err.code}_ERROR`;
            return normalizeErrorCodePostfix(err.code);
          })();
          throw Object.assign(
            new ErrorClass(
              message,
              `AWS_${normalizeErrorCodePostfix(name)}_${normalizeErrorCodePostfix(method)}_${providerErrorCodeExtension}`
            ),
            { providerError: err, providerErrorCodeExtension }
          );
        }
      })
    );
  };

  // v3's awsRequest.memoized (memoizee, promise mode): same service, region, method and params
  // share one promise; a rejected one is forgotten so the next call tries again.
  const cache = new Map();
  const memoized = (name, method, params, region) => {
    const key = [name, region, method, JSON.stringify(deepSortObjectByKey(params))].join('|');
    if (!cache.has(key)) {
      const promise = awsRequest(name, method, params, region);
      cache.set(key, promise);
      promise.catch(() => {
        if (cache.get(key) === promise) cache.delete(key);
      });
    }
    return cache.get(key);
  };

  // AwsProvider#request(service, method, params, options)
  return async function request(service, method, params = {}, options = {}) {
    const requestOptions = options !== null && typeof options === 'object' ? options : {};
    const region = requestOptions.region !== undefined ? requestOptions.region : defaultRegion;
    return (requestOptions.useCache ? memoized : awsRequest)(service, method, params, region);
  };
}

module.exports = { createRequest, endpointsFromEnv };
