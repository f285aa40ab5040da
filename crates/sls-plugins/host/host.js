'use strict';
// sls's plugin host: runs the Serverless plugins sls does not build in, through their own
// code, with the `serverless` object of Serverless Framework v3.40.0 that they expect.
//
// sls starts one node process per command (only when such a plugin is listed), on a loopback
// TCP connection (see loader in src/host.rs). Messages are JSON, one per line:
//   sls -> host  init {serviceDir, plugins, config, options, ...}  -> ready {plugins, commands}
//                hook {point, config?, compiled?, core?}           -> running {plugin}..., done {...}
//                command {name}  (a plugin's own command)           -> done
//                finalize                                           -> done
//                error {message}  (the command failed: `error` hooks)  -> done
//   host -> sls  module {name}  (the AWS SDK bundle, sent on first `provider.request`)
// A part of the state (config, compiled and core templates) travels only when it changed.
//
// Plugins write to the terminal directly (stdout/stderr are sls's), as they do under v3.

const path = require('path');
const fs = require('fs');
const Module = require('module');
const util = require('util');
const vm = require('vm');

const FRAMEWORK_VERSION = '3.40.0';

class ServerlessError extends Error {
  constructor(message, code, options = {}) {
    super(message);
    this.name = 'ServerlessError';
    this.code = code;
    this.decoratedMessage = options.decoratedMessage;
  }
}

// ---------------------------------------------------------------------------------------------
// The channel to sls.

function channel(socket, initialBuffer) {
  let buffer = initialBuffer;
  const queue = [];
  let waiting = null;
  const deliver = () => {
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line) queue.push(JSON.parse(line));
    }
    if (waiting && queue.length) {
      const w = waiting;
      waiting = null;
      w.resolve(queue.shift());
    }
  };
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    buffer += chunk;
    deliver();
  });
  socket.on('close', () => {
    // sls went away (it ended or was interrupted): nothing is left to do for anyone.
    process.exit(0);
  });
  return {
    send(message) {
      socket.write(`${JSON.stringify(message)}\n`);
    },
    receive() {
      return new Promise((resolve) => {
        waiting = { resolve };
        deliver();
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Logging as v3's `@serverless/utils/log` shows it to plugins.

function makeLog(options, prefix) {
  const verbose = Boolean(options.verbose);
  const debug = Boolean(options.debug);
  const write = (text) => process.stderr.write(`${text}\n`);
  const fmt = (args) => util.format(...args);
  const log = (...args) => write(fmt(args));
  log.error = (...args) => write(`✖ ${fmt(args)}`);
  log.warning = (...args) => write(`Warning: ${fmt(args)}`);
  log.warn = log.warning;
  log.notice = (...args) => write(fmt(args));
  log.notice.skip = (...args) => write(fmt(args));
  log.notice.success = (...args) => write(`✔ ${fmt(args)}`);
  log.success = log.notice.success;
  log.info = (...args) => verbose && write(fmt(args));
  log.verbose = log.info;
  log.debug = (...args) => debug && write(`${prefix}: ${fmt(args)}`);
  log.get = (namespace) => makeLog(options, namespace);
  return log;
}

function makeProgress() {
  // sls shows no spinners for plugins; a progress's text is kept quiet as v3 does off a TTY.
  const one = () => ({ update() {}, info() {}, notice() {}, remove() {} });
  return { get: one, create: one };
}

function writeText(...args) {
  const text = args.map((a) => (Array.isArray(a) ? a.join('\n') : String(a))).join('\n');
  process.stdout.write(`${text}\n`);
}

// ---------------------------------------------------------------------------------------------
// `serverless.service`: v3's Service, loaded from the resolved configuration.

// Top-level properties v3's Service keeps on itself; every other key stays in
// `configurationInput` (plugins read their own top-level keys there, or from the service).
const SERVICE_KEYS = [
  'provider', 'custom', 'plugins', 'functions', 'resources', 'package', 'layers', 'outputs',
  'configValidationMode', 'disabledDeprecations', 'app', 'org',
];

class Service {
  constructor(serverless, config, options) {
    this.serverless = serverless;
    this.initialServerlessConfig = config;
    this.serviceFilename = serverless.configurationFilename;
    this.provider = config.provider && typeof config.provider === 'object' ? config.provider : { name: config.provider };
    if (this.provider.stage == null) this.provider.stage = 'dev';
    this.serviceObject = { name: config.service };
    this.service = config.service;
    this.app = config.app;
    this.org = config.org;
    this.plugins = config.plugins;
    this.package = config.package || {};
    this.custom = config.custom;
    this.resources = config.resources;
    this.functions = config.functions || {};
    this.configValidationMode = config.configValidationMode || 'warn';
    this.disabledDeprecations = config.disabledDeprecations;
    this.layers = config.layers || {};
    this.outputs = config.outputs;
    this.pluginsData = {};
    this.setFunctionNames(options);
  }

  setFunctionNames(options = {}) {
    const stage = options.stage || this.provider.stage;
    for (const [key, fn] of Object.entries(this.functions)) {
      if (fn == null) {
        delete this.functions[key];
        continue;
      }
      if (!fn.events) fn.events = [];
      if (!fn.name) fn.name = `${this.service}-${stage}-${key}`;
    }
  }

  getServiceName() {
    return this.serviceObject.name;
  }
  getServiceObject() {
    return this.serviceObject;
  }
  getAllFunctions() {
    return Object.keys(this.functions);
  }
  getAllLayers() {
    return this.layers ? Object.keys(this.layers) : [];
  }
  getAllFunctionsNames() {
    return this.getAllFunctions().map((f) => this.getFunction(f).name);
  }
  getFunction(name) {
    if (name in this.functions) return this.functions[name];
    throw new ServerlessError(`Function "${name}" doesn't exist in this Service`, 'FUNCTION_MISSING_IN_SERVICE');
  }
  getLayer(name) {
    if (name in this.layers) return this.layers[name];
    throw new ServerlessError(`Layer "${name}" doesn't exist in this Service`, 'LAYER_MISSING_IN_SERVICE');
  }
  getEventInFunction(eventName, functionName) {
    const event = this.getFunction(functionName).events.find((e) => Object.keys(e)[0] === eventName);
    if (event) return event;
    throw new ServerlessError(
      `Event "${eventName}" doesn't exist in function "${functionName}"`,
      'EVENT_MISSING_FOR_FUNCTION'
    );
  }
  getAllEventsInFunction(functionName) {
    return this.getFunction(functionName).events;
  }
  publish(data = {}) {
    Object.assign(this.pluginsData, data);
  }
  update(data) {
    return Object.assign(this, data);
  }
}

// The configuration as sls compiles it: the input's keys, with the Service's own properties
// as plugins left them (without the templates, which travel on their own).
function exportConfig(serverless) {
  const { service, configurationInput } = serverless;
  const out = {};
  for (const key of Object.keys(configurationInput)) out[key] = configurationInput[key];
  out.service = service.service;
  const isEmpty = (v) => v == null || (typeof v === 'object' && Object.keys(v).length === 0);
  for (const key of SERVICE_KEYS) {
    // v3's defaults (`package: {}`, `layers: {}`…) stay out unless the input had the key or a
    // plugin filled it.
    if (service[key] !== undefined && (key in configurationInput || !isEmpty(service[key]))) out[key] = service[key];
    else delete out[key];
  }
  // Top-level keys a plugin set on the service (v3 compiles none of them; kept for plugins).
  const provider = { ...service.provider };
  delete provider.compiledCloudFormationTemplate;
  delete provider.coreCloudFormationTemplate;
  delete provider.deploymentBucketObject;
  out.provider = provider;
  return out;
}

// Makes `target` equal to `source` while keeping the identity of the objects plugins may hold.
function syncInto(target, source) {
  if (target === source) return;
  for (const key of Object.keys(target)) if (!(key in source)) delete target[key];
  for (const [key, value] of Object.entries(source)) {
    const old = target[key];
    const bothObjects = old && value && typeof old === 'object' && typeof value === 'object';
    if (bothObjects && Array.isArray(old) === Array.isArray(value)) {
      if (old === value) continue;
      if (Array.isArray(old)) {
        const items = [...value];
        old.length = 0;
        old.push(...items);
      } else syncInto(old, value);
    } else target[key] = value;
  }
}

// ---------------------------------------------------------------------------------------------
// The AWS provider plugins see (`serverless.getProvider('aws')`).

function makeProvider(serverless, init, link) {
  const provider = {
    serverless,
    options: serverless.pluginManager.cliOptions,
    naming: null,
    cachedCredentials: null,
    getRegion() {
      return this.options.region || serverless.service.provider.region || 'us-east-1';
    },
    getStage() {
      return this.options.stage || serverless.service.provider.stage || 'dev';
    },
    getProfile() {
      return this.options['aws-profile'] || serverless.service.provider.profile || null;
    },
    getCredentials() {
      if (!this.cachedCredentials) {
        const c = init.credentials;
        // v3 returns `{ credentials }` in the shape of the SDK's Credentials.
        this.cachedCredentials = c
          ? { credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken } }
          : {};
      }
      return this.cachedCredentials;
    },
    async request(service, method, params, options) {
      const request = await link.awsRequest();
      return request(service, method, params, options);
    },
    async getAccountInfo() {
      const result = await this.request('STS', 'getCallerIdentity', {});
      const arn = result.Arn;
      return { accountId: result.Account, partition: arn.split(':')[1], arn, userId: result.UserId };
    },
    async getAccountId() {
      return (await this.getAccountInfo()).accountId;
    },
    async getServerlessDeploymentBucketName() {
      if (serverless.service.provider.deploymentBucket) return serverless.service.provider.deploymentBucket;
      const result = await this.request('CloudFormation', 'describeStackResource', {
        StackName: this.naming.getStackName(),
        LogicalResourceId: this.naming.getDeploymentBucketLogicalId(),
      });
      return result.StackResourceDetail.PhysicalResourceId;
    },
    getDeploymentPrefix() {
      const p = serverless.service.provider.deploymentPrefix;
      return p == null ? 'serverless' : `${p}`;
    },
    getCustomDeploymentRole() {
      const p = serverless.service.provider;
      return (p.iam && p.iam.deploymentRole) || p.cfnRole;
    },
    getAlbTargetGroupPrefix() {
      const alb = serverless.service.provider.alb;
      return (alb && alb.targetGroupPrefix) || '';
    },
    getLogRetentionInDays() {
      return serverless.service.provider.logRetentionInDays;
    },
    getRuntime(runtime) {
      return runtime || serverless.service.provider.runtime || 'nodejs16.x';
    },
    getApiGatewayStage() {
      const api = serverless.service.provider.apiGateway;
      return (api && api.stage) || this.getStage();
    },
    getApiGatewayRestApiId() {
      const api = serverless.service.provider.apiGateway;
      return (api && api.restApiId) || { Ref: this.naming.getRestApiLogicalId() };
    },
    getApiGatewayRestApiRootResourceId() {
      const api = serverless.service.provider.apiGateway;
      return (api && api.restApiRootResourceId) || { 'Fn::GetAtt': [this.naming.getRestApiLogicalId(), 'RootResourceId'] };
    },
    getApiGatewayWebsocketApiId() {
      const api = serverless.service.provider.apiGateway;
      return (api && api.websocketApiId) || { Ref: this.naming.getWebsocketsApiLogicalId() };
    },
    getApiGatewayDescription() {
      const api = serverless.service.provider.apiGateway;
      return (api && api.description) || undefined;
    },
    getApiGatewayPredefinedResources() {
      const api = serverless.service.provider.apiGateway;
      const resources = api && api.restApiResources;
      if (!resources) return [];
      if (Array.isArray(resources)) return resources;
      return Object.keys(resources).map((p) => ({ path: p, resourceId: resources[p] }));
    },
    getLogDataProtectionPolicy() {
      return serverless.service.provider.logDataProtectionPolicy;
    },
    isExistingRoleProvided(role) {
      return typeof role === 'string' || (role && typeof role === 'object' && Object.keys(role).some((k) => k.includes('::')));
    },
    getCustomExecutionRole(functionObj) {
      const p = serverless.service.provider;
      if (functionObj.role) return functionObj.role;
      const role = p.iam && p.iam.role;
      if (this.isExistingRoleProvided(role)) return role;
      return p.role;
    },
    resolveFunctionArn(address) {
      if (/^arn:[^:]+:lambda:/.test(address)) return address;
      const fn = serverless.service.getFunction(address);
      const getter = { 'Fn::GetAtt': [this.naming.getLambdaLogicalId(address), 'Arn'] };
      return fn.targetAlias ? { 'Fn::Join': [':', [getter, fn.targetAlias.name]] } : getter;
    },
    resolveLayerArtifactName(layer) {
      const l = serverless.service.getLayer(layer);
      return l.package && l.package.artifact
        ? l.package.artifact
        : require('path').join(serverless.serviceDir, '.serverless', this.naming.getLayerArtifactName(layer));
    },
    resolveFunctionIamRoleResourceName(functionObj) {
      const role = this.getCustomExecutionRole(functionObj);
      if (role) {
        if (typeof role === 'string') return role.includes(':') ? null : role;
        const att = role['Fn::GetAtt'];
        if (Array.isArray(att) && att.length === 2 && typeof att[0] === 'string' && att[1] === 'Arn') return att[0];
        if (role['Fn::ImportValue'] || role.Ref || role['Fn::Sub']) return null;
      }
      return 'IamRoleLambdaExecution';
    },
    isS3TransferAccelerationEnabled() {
      return Boolean(this.options['aws-s3-accelerate']);
    },
    isS3TransferAccelerationDisabled() {
      return this.options['aws-s3-accelerate'] === false;
    },
    disableTransferAccelerationForCurrentDeploy() {
      delete this.options['aws-s3-accelerate'];
    },
  };
  // v3's `provider.sdk` is the AWS SDK v2 module; the one part plugins read (the survey:
  // serverless-add-api-key) is `sdk.config.httpOptions`, passed to their own clients. sls gives
  // that part (no proxy agent: such clients take HTTPS_PROXY from their own SDK, as under v3).
  provider.sdk = { config: { httpOptions: {}, region: provider.getRegion() } };
  provider.provider = provider;
  provider.naming = Object.assign(Object.create(link.naming), { provider });
  provider.constructor = { getProviderName: () => 'aws' };
  return provider;
}

// ---------------------------------------------------------------------------------------------
// `serverless.configSchemaHandler`: definitions are kept and sent to sls, whose validation
// takes them into account as v3's does.

function makeSchemaHandler(schema) {
  return {
    defineTopLevelProperty(name, subSchema) {
      schema.topLevel[name] = subSchema;
    },
    defineProvider(name, options = {}) {
      schema.providers[name] = options;
    },
    defineCustomProperties(subSchema) {
      schema.custom.push(subSchema);
    },
    defineFunctionEvent(provider, name, subSchema) {
      schema.functionEvents[name] = subSchema;
    },
    defineFunctionEventProperties(provider, name, subSchema) {
      (schema.functionEventProperties[name] = schema.functionEventProperties[name] || []).push(subSchema);
    },
    defineFunctionProperties(provider, subSchema) {
      schema.functionProperties.push(subSchema);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Loading the plugins, as v3's plugin manager resolves them.

async function requirePlugin(serviceDir, name, localPath) {
  if (localPath && !name.startsWith('./')) {
    const legacy = path.resolve(localPath, name);
    let found = null;
    try {
      found = require.resolve(legacy);
    } catch {
      // not in the local plugins folder
    }
    if (found) return { module: await importModule(found), resolved: found };
  }
  const serviceRequire = Module.createRequire(path.join(serviceDir, 'serverless.yml'));
  let resolved;
  try {
    resolved = serviceRequire.resolve(name);
  } catch {
    const hint = name.startsWith('./') ? '' : ` Install it in the service folder: npm install --save-dev ${name}`;
    throw new ServerlessError(
      `Serverless plugin "${name}" not found. Make sure it's installed and listed in the "plugins" section of your serverless config file.${hint}`,
      'PLUGIN_NOT_FOUND'
    );
  }
  return { module: await importModule(resolved), resolved };
}

async function importModule(file) {
  try {
    return require(file);
  } catch (error) {
    if (error.code !== 'ERR_REQUIRE_ESM') throw error;
    const m = await import(require('url').pathToFileURL(file).href);
    return m.default || m;
  }
}

// ---------------------------------------------------------------------------------------------
// Running hooks.

class Host {
  constructor(link, init) {
    this.link = link;
    this.init = init;
    this.plugins = []; // { name, instance }
    this.hooks = {}; // point -> [{ plugin, hook }]
    this.commands = {};
    this.outputSections = {};
    this.localPluginPatterns = [];
    this.schema = { topLevel: {}, providers: {}, custom: [], functionEvents: {}, functionEventProperties: {}, functionProperties: [] };
    this.last = { config: null, compiled: null, core: null };
  }

  buildServerless() {
    const init = this.init;
    const options = { ...init.options };
    const serverless = {
      version: FRAMEWORK_VERSION,
      serviceDir: init.serviceDir,
      config: { servicePath: init.serviceDir, serviceDir: init.serviceDir },
      configurationFilename: init.configurationFilename,
      configurationInput: init.config,
      processedInput: { commands: init.commands, options },
      instanceId: init.instanceId,
      isLocallyInstalled: false,
      isStandaloneExecutable: false,
      classes: { Error: ServerlessError },
      utils: makeUtils(),
      getVersion: () => FRAMEWORK_VERSION,
      cli: {
        log: (message, entity) => process.stderr.write(`${entity ? `${entity}: ` : ''}${message}\n`),
        consoleLog: (message) => process.stdout.write(`${message}\n`),
        printDot: () => process.stdout.write('.'),
        generateCommandsHelp: () => {},
      },
      addServiceOutputSection: (section, content) => {
        this.outputSections[section] = content;
      },
      configSchemaHandler: makeSchemaHandler(this.schema),
    };
    // v3 collects deprecations and prints their count at the end; sls prints each once.
    const deprecations = new Set();
    serverless.logDeprecation = (code, message) => {
      if (deprecations.has(code)) return;
      deprecations.add(code);
      process.stderr.write(`Deprecation (${code}): ${message}\n`);
    };
    serverless._logDeprecation = serverless.logDeprecation;
    serverless.pluginManager = {
      cliOptions: options,
      cliCommands: init.commands,
      plugins: [],
      hooks: this.hooks,
      commands: this.commands,
      serverless,
      addPlugin: (Plugin) => this.addPlugin(Plugin, Plugin.name),
      spawn: (commands, spawnOptions) => this.spawn(commands, spawnOptions),
      getPlugins: () => serverless.pluginManager.plugins,
    };
    serverless.service = new Service(serverless, init.config, options);
    const provider = makeProvider(serverless, init, this.link);
    serverless.service.provider.region = provider.getRegion();
    serverless.providers = { aws: provider };
    serverless.getProvider = (name) => serverless.providers[name];
    serverless.setProvider = (name, p) => {
      serverless.providers[name] = p;
    };
    // v3's Config holds the framework too (serverless-webpack reads processedInput through it).
    serverless.config.serverless = serverless;
    this.serverless = serverless;
  }

  addPlugin(Plugin, name) {
    const serverless = this.serverless;
    const log = makeLog(serverless.pluginManager.cliOptions, name);
    const instance = new Plugin(serverless, serverless.pluginManager.cliOptions, { log, progress: makeProgress(), writeText });
    let provider = instance.provider;
    if (provider && typeof provider === 'object') provider = provider.constructor.getProviderName();
    if (provider && provider !== 'aws') return null; // v3 skips plugins of other providers
    serverless.pluginManager.plugins.push(instance);
    this.plugins.push({ name, instance });
    for (const [point, hook] of Object.entries(instance.hooks || {})) {
      (this.hooks[point] = this.hooks[point] || []).push({ plugin: name, hook });
    }
    for (const [key, details] of Object.entries(instance.commands || {})) {
      this.commands[key] = mergeCommand(this.commands[key], details, name);
    }
    const sources = instance.configurationVariablesSources;
    if (sources && Object.keys(sources).length) {
      this.variableSources = this.variableSources || {};
      for (const source of Object.keys(sources)) this.variableSources[source] = { plugin: name, resolve: sources[source].resolve };
    }
    return instance;
  }

  async load() {
    const { serviceDir, plugins, localPath } = this.init;
    for (const name of plugins) {
      this.link.running(name, 'load');
      const { module: Plugin, resolved } = await requirePlugin(serviceDir, name, localPath);
      if (typeof Plugin !== 'function') {
        throw new ServerlessError(`Serverless plugin "${name}", didn't export Plugin constructor.`, 'MISSING_PLUGIN_NAME');
      }
      if (resolved && name.startsWith('./')) this.localPluginPatterns.push(localPattern(serviceDir, name, resolved));
      this.addPlugin(Plugin, name);
    }
    for (const { name, instance } of this.plugins) {
      if (instance.asyncInit) {
        this.link.running(name, 'asyncInit');
        await instance.asyncInit();
      }
    }
    // `initialize` hooks run when sls says (a `hook` message), after the plugins' variable
    // sources are resolved, as in v3.
  }

  // v3's AwsCommon `validate` (the first step of package, deploy, info, remove) writes the
  // stage and region into the options every plugin holds; plugins read them from there.
  validated() {
    if (this.didValidate) return;
    this.didValidate = true;
    const provider = this.serverless.getProvider('aws');
    const options = this.serverless.pluginManager.cliOptions;
    options.stage = provider.getStage();
    options.region = provider.getRegion();
  }

  async runPoint(point, ...args) {
    for (const { plugin, hook } of this.hooks[point] || []) {
      this.link.running(plugin, point);
      await hook(...args);
    }
  }

  // A plugin's own command (or `spawn` of one): its lifecycle events, before/at/after each.
  async runCommand(words) {
    let command = { commands: this.commands };
    for (const w of words) {
      command = command.commands && command.commands[w];
      if (!command) {
        throw new ServerlessError(
          `sls cannot spawn "${words.join(' ')}" from a plugin: only the plugins' own commands can be spawned.`,
          'SPAWN_UNSUPPORTED'
        );
      }
    }
    const key = words.join(':');
    const options = this.serverless.pluginManager.cliOptions;
    for (const [name, o] of Object.entries(command.options || {})) {
      if (o.shortcut && options[o.shortcut] !== undefined && options[name] === undefined) options[name] = options[o.shortcut];
      if (o.default != null && (!options[name] || options[name] === true)) options[name] = o.default;
    }
    try {
      for (const event of command.lifecycleEvents || []) {
        for (const when of ['before:', '', 'after:']) await this.runPoint(`${when}${key}:${event}`);
      }
    } catch (error) {
      if (error && error.name === 'TerminateHookChain') return;
      throw error;
    }
  }

  async spawn(commands, options) {
    const words = typeof commands === 'string' ? commands.split(':') : commands;
    await this.runCommand(words);
    if (options && options.terminateLifecycleAfterExecution) {
      const e = new Error(`Terminating ${words.join(':')}`);
      e.name = 'TerminateHookChain';
      throw e;
    }
  }

  // `${source:address}` for a source a plugin defines, as v3 asks it: the resolver gets the
  // address, the params, the options and a way to read other configuration properties.
  async resolveVariable({ source, address, params }) {
    const defined = this.variableSources && this.variableSources[source];
    if (!defined) throw new ServerlessError(`No plugin defines the variable source "${source}"`, 'UNKNOWN_SOURCE');
    this.link.running(defined.plugin, `\${${source}:${address}}`);
    const config = this.serverless.configurationInput;
    const result = await defined.resolve({
      address,
      params,
      options: this.serverless.pluginManager.cliOptions,
      resolveConfigurationProperty: async (path) => path.reduce((v, k) => (v == null ? undefined : v[k]), config),
      resolveVariable: async (text) => {
        throw new ServerlessError(`sls cannot resolve "${text}" for a plugin's variable source`, 'UNSUPPORTED');
      },
      resolveVariablesInString: async (text) => text,
    });
    return result && result.value !== undefined ? result.value : null;
  }

  // The state sls sent (only the parts that changed), applied in place.
  receiveState(message) {
    const s = this.serverless;
    if (message.config !== undefined) {
      syncInto(s.configurationInput, message.config);
      for (const key of SERVICE_KEYS) {
        if (key === 'provider') continue;
        const value = s.configurationInput[key];
        if (value !== undefined && s.service[key] && typeof s.service[key] === 'object') syncInto(s.service[key], value);
        else if (value !== undefined) s.service[key] = value;
      }
      const { compiledCloudFormationTemplate, coreCloudFormationTemplate } = s.service.provider;
      syncInto(s.service.provider, message.config.provider || {});
      if (compiledCloudFormationTemplate) s.service.provider.compiledCloudFormationTemplate = compiledCloudFormationTemplate;
      if (coreCloudFormationTemplate) s.service.provider.coreCloudFormationTemplate = coreCloudFormationTemplate;
      this.last.config = JSON.stringify(exportConfig(s));
    }
    if (message.compiled !== undefined) {
      s.service.provider.compiledCloudFormationTemplate = message.compiled;
      this.last.compiled = JSON.stringify(message.compiled);
    }
    if (message.core !== undefined) {
      s.service.provider.coreCloudFormationTemplate = message.core;
      this.last.core = JSON.stringify(message.core);
    }
  }

  // The parts of the state the plugins changed.
  changedState() {
    const s = this.serverless;
    const out = {};
    // A plugin that builds the code elsewhere (serverless-webpack before invoke local) moves
    // `config.servicePath`; sls runs the handler from there.
    if (s.config.servicePath !== this.init.serviceDir) out.servicePath = s.config.servicePath;
    const current = {
      config: exportConfig(s),
      compiled: s.service.provider.compiledCloudFormationTemplate,
      core: s.service.provider.coreCloudFormationTemplate,
    };
    for (const [key, value] of Object.entries(current)) {
      if (value === undefined) continue;
      const text = JSON.stringify(value);
      if (text !== this.last[key]) {
        out[key] = JSON.parse(text);
        this.last[key] = text;
      }
    }
    return out;
  }

  describe() {
    return {
      plugins: this.plugins.map(({ name, instance }) => ({ name, hooks: Object.keys(instance.hooks || {}) })),
      commands: describeCommands(this.commands),
      variableSources: Object.keys(this.variableSources || {}),
      schema: this.schema,
      localPluginPatterns: this.localPluginPatterns,
    };
  }
}

function localPattern(serviceDir, name, resolved) {
  const input = path.resolve(serviceDir, name);
  if (input === resolved || input + path.extname(resolved) === resolved) return path.relative(serviceDir, resolved);
  if (resolved.startsWith(input + path.sep)) return path.relative(serviceDir, path.join(path.dirname(resolved), '/**'));
  return null;
}

function mergeCommand(target, details, plugin) {
  const loaded = { ...details, pluginName: plugin, lifecycleEvents: details.lifecycleEvents || [], commands: {} };
  for (const [k, sub] of Object.entries(details.commands || {})) loaded.commands[k] = mergeCommand(undefined, sub, plugin);
  if (!target) return loaded;
  target.options = { ...(loaded.options || {}), ...(target.options || {}) };
  for (const [k, sub] of Object.entries(loaded.commands)) target.commands[k] = mergeCommand(target.commands[k], sub, plugin);
  if (loaded.lifecycleEvents.length) target.lifecycleEvents = loaded.lifecycleEvents;
  return target;
}

function describeCommands(commands) {
  const out = {};
  for (const [name, c] of Object.entries(commands)) {
    if (c.type === 'entrypoint') continue;
    const options = {};
    for (const [o, d] of Object.entries(c.options || {})) {
      options[o] = { usage: d.usage || '', shortcut: d.shortcut || null, required: Boolean(d.required), type: d.type || null };
    }
    out[name] = {
      usage: c.usage || '',
      plugin: c.pluginName,
      lifecycleEvents: c.lifecycleEvents || [],
      options,
      commands: describeCommands(c.commands || {}),
    };
  }
  return out;
}

// `serverless.utils`, as v3's: JSON files parsed and written as JSON, other text trimmed.
// (The host has no YAML parser: YAML through these helpers is refused by name.)
function makeUtils() {
  const parse = (p, text) => {
    if (p.endsWith('.json') || p.endsWith('.tfstate')) return JSON.parse(text);
    if (p.endsWith('.yml') || p.endsWith('.yaml')) {
      throw new ServerlessError(`sls's plugin host cannot read YAML through serverless.utils (${p})`, 'UNSUPPORTED_YAML');
    }
    return text.trim();
  };
  const serialise = (p, contents) => {
    if (typeof contents === 'string' || Buffer.isBuffer(contents)) return contents;
    if (p.includes('.json')) return JSON.stringify(contents == null ? '' : contents, null, 2);
    if (p.includes('.yml') || p.includes('.yaml')) {
      throw new ServerlessError(`sls's plugin host cannot write YAML through serverless.utils (${p})`, 'UNSUPPORTED_YAML');
    }
    return contents == null ? '' : String(contents);
  };
  const utils = {
    getVersion: () => FRAMEWORK_VERSION,
    fileExistsSync: (p) => {
      try {
        return fs.statSync(p).isFile();
      } catch {
        return false;
      }
    },
    dirExistsSync: (p) => {
      try {
        return fs.statSync(p).isDirectory();
      } catch {
        return false;
      }
    },
    getTmpDirPath: () => {
      const dir = path.join(require('os').tmpdir(), 'tmpdirs-serverless', require('crypto').randomBytes(8).toString('hex'));
      fs.mkdirSync(dir, { recursive: true });
      return dir;
    },
    writeFileDir: (p) => fs.mkdirSync(path.dirname(p), { recursive: true }),
    writeFileSync: (p, contents) => {
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, serialise(p, contents));
    },
    writeFile: async (p, contents) => utils.writeFileSync(p, contents),
    appendFileSync: async (p, contents) => fs.appendFileSync(p, contents || ''),
    readFileSync: (p) => parse(p, fs.readFileSync(p, 'utf8')),
    readFile: async (p) => parse(p, await fs.promises.readFile(p, 'utf8')),
    walkDirSync: (dir) => {
      const out = [];
      const walk = (d) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
          const full = path.join(d, e.name);
          if (e.isDirectory()) walk(full);
          else out.push(full);
        }
      };
      walk(dir);
      return out;
    },
    copyDirContentsSync: (src, dest) => fs.cpSync(src, dest, { recursive: true }),
    generateShortId: (length) => Math.random().toString(36).substr(2, length),
    isEventUsed: (functions, eventName) =>
      Object.values(functions).some((f) => (f.events || []).some((e) => Object.keys(e)[0] === eventName)),
  };
  return utils;
}

// A plugin's failure, as sls shows it: the message, which plugin and hook, and its stack when
// it is not one of v3's user-facing errors.
function describeError(error, current) {
  const isServerlessError = error && (error instanceof ServerlessError || error.name === 'ServerlessError');
  return {
    type: 'error',
    plugin: current.plugin,
    point: current.point,
    message: (error && error.message) || String(error),
    code: error && error.code ? String(error.code) : null,
    stack: !isServerlessError && error && error.stack ? String(error.stack) : null,
  };
}

module.exports = async function main(socket, initialBuffer, naming) {
  const ch = channel(socket, initialBuffer);
  const current = { plugin: null, point: null };
  // Replies to `module` arrive while a hook runs: the receiving loop below hands them over.
  const moduleWaiters = [];
  let awsRequest = null;
  let host = null;
  const link = {
    naming,
    running(plugin, point) {
      current.plugin = plugin;
      current.point = point;
      ch.send({ type: 'running', plugin, point });
    },
    async awsRequest() {
      if (!awsRequest) {
        ch.send({ type: 'module', name: 'aws-request' });
        const reply = await new Promise((resolve) => moduleWaiters.push(resolve));
        const m = { exports: {} };
        vm.runInThisContext(`(function (module, exports, require) {${reply.source}\n})`, {
          filename: 'sls-aws-request.js',
        })(m, m.exports, require);
        const init = host.init;
        const env = process.env;
        awsRequest = m.exports.createRequest({
          region: host.serverless.getProvider('aws').getRegion(),
          credentials: init.credentials || undefined,
          endpoints: init.endpoints || {},
          caCertificates: init.caCertificates || [],
          proxy: env.proxy || env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy,
          noProxy: env.NO_PROXY || env.no_proxy,
          // v3 (lib/aws/request.js): a number >= 0 replaces the 4 retries.
          maxRetries: Number(env.SLS_AWS_REQUEST_MAX_RETRIES) >= 0 ? Number(env.SLS_AWS_REQUEST_MAX_RETRIES) : undefined,
          ServerlessError,
          log: makeLog(host.serverless.pluginManager.cliOptions, 'aws'),
        });
      }
      return awsRequest;
    },
  };
  const run = async (work) => {
    try {
      await work();
      ch.send({ type: 'done', ...host.changedState(), outputSections: host.outputSections });
    } catch (error) {
      ch.send(describeError(error, current));
    }
  };
  const step = async (message) => {
    switch (message.type) {
      case 'init':
        host = new Host(link, message);
        try {
          host.buildServerless();
          host.last.config = JSON.stringify(exportConfig(host.serverless));
          await host.load();
          ch.send({ type: 'ready', ...host.describe(), ...host.changedState() });
        } catch (error) {
          ch.send(describeError(error, current));
        }
        return undefined;
      case 'hook':
        host.receiveState(message);
        if (message.point !== 'initialize') host.validated();
        return run(() => host.runPoint(message.point));
      case 'command':
        host.receiveState(message);
        Object.assign(host.serverless.pluginManager.cliOptions, message.options || {});
        return run(() => host.runCommand(message.name.split(' ')));
      case 'finalize':
        return run(() => host.runPoint('finalize'));
      case 'error':
        return run(() => host.runPoint('error', new ServerlessError(message.message, 'SLS_COMMAND_FAILED')));
      case 'variable':
        try {
          ch.send({ type: 'done', value: await host.resolveVariable(message) });
        } catch (error) {
          ch.send(describeError(error, current));
        }
        return undefined;
      case 'exit':
        socket.end();
        return process.exit(0);
      default:
        return ch.send({ type: 'error', message: `unknown message ${message.type}` });
    }
  };
  // Messages run one after the other; `module` replies go straight to the request waiting.
  let busy = Promise.resolve();
  for (;;) {
    const message = await ch.receive();
    if (message.type === 'module') moduleWaiters.shift()(message);
    else busy = busy.then(() => step(message));
  }
};
