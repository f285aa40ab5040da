'use strict';
// `provider.naming` for plugins: every naming function of Serverless v3.40.0's AWS provider,
// giving what sls's own naming (crates/sls-compile/src/naming.rs) gives. The plugin host's
// tests compare the two for the functions both have.
//
// `this.provider` is the provider the naming belongs to (set by the host), as in v3.

const crypto = require('crypto');

const upperFirst = (s) => (s ? s[0].toUpperCase() + s.slice(1) : '');
const capitalize = (s) => upperFirst(String(s).toLowerCase());
const alnum = (s) => s.replace(/[^0-9A-Za-z]/g, '');
const alnumOnly = /[^0-9a-z]/gi;

// Words as lodash splits them: lower→upper and letter↔digit boundaries, non-alphanumerics.
function words(s) {
  const out = [];
  let cur = '';
  const chars = [...String(s)];
  chars.forEach((c, i) => {
    if (!/[0-9A-Za-z]/.test(c)) {
      if (cur) out.push(cur);
      cur = '';
      return;
    }
    const prev = cur[cur.length - 1];
    if (prev) {
      const isDigit = (x) => /[0-9]/.test(x);
      const isLower = (x) => /[a-z]/.test(x);
      const isUpper = (x) => /[A-Z]/.test(x);
      const boundary =
        (isLower(prev) && isUpper(c)) ||
        isDigit(prev) !== isDigit(c) ||
        (isUpper(prev) && isUpper(c) && chars[i + 1] !== undefined && isLower(chars[i + 1]));
      if (boundary) {
        out.push(cur);
        cur = '';
      }
    }
    cur += c;
  });
  if (cur) out.push(cur);
  return out;
}
const startCase = (s) => words(s).map(upperFirst).join(' ');
const upperCamel = (s) => words(s).map(capitalize).join('');

const service = (n) => n.provider.serverless.service;

module.exports = {
  // General
  normalizeName: (name) => `${upperFirst(name)}`,
  normalizeNameToAlphaNumericOnly(name) {
    return this.normalizeName(alnum(name));
  },
  toStartCase: (name) => startCase(name).replace(/\s+/g, ''),
  normalizePathPart: (part) =>
    upperFirst(capitalize(part).replace(/-/g, 'Dash').replace(/\{(.*)\}/g, '$1Var').replace(/[^0-9A-Za-z]/g, '')),
  getServiceEndpointRegex: () => /^(ServiceEndpoint|HttpApiUrl)/,
  getNormalizedResourceName(name) {
    return this.normalizeName(name.replace(/-/g, 'Dash').replace(/_/g, 'Underscore'));
  },

  // Stack and files
  getStackName() {
    const { stackName } = service(this).provider;
    if (stackName && typeof stackName === 'string') return stackName;
    return `${service(this).service}-${this.provider.getStage()}`;
  },
  getStackChangeSetName() {
    return `${this.getStackName()}-change-set`;
  },
  getServiceArtifactName() {
    return `${service(this).service}.zip`;
  },
  getFunctionArtifactName: (name) => `${name}.zip`,
  getLayerArtifactName: (name) => `${name}.zip`,
  getServiceStateFileName: () => 'serverless-state.json',
  getCompiledTemplateFileName: () => 'cloudformation-template-update-stack.json',
  getCompiledTemplateS3Suffix: () => 'compiled-cloudformation-template.json',
  getCoreTemplateFileName: () => 'cloudformation-template-create-stack.json',

  // Role and policy
  getRolePath() {
    const role = service(this).provider.iam && service(this).provider.iam.role;
    return (role && role.path) || '/';
  },
  getRoleName() {
    const role = service(this).provider.iam && service(this).provider.iam.role;
    if (role && role.name) return role.name;
    return { 'Fn::Join': ['-', [service(this).service, this.provider.getStage(), { Ref: 'AWS::Region' }, 'lambdaRole']] };
  },
  getRoleLogicalId: () => 'IamRoleLambdaExecution',
  getPolicyName() {
    return { 'Fn::Join': ['-', [service(this).service, this.provider.getStage(), 'lambda']] };
  },

  // Log groups
  getLogGroupLogicalId(fn) {
    return `${this.getNormalizedFunctionName(fn)}LogGroup`;
  },
  getLogGroupName: (fn) => `/aws/lambda/${fn}`,

  // Lambda
  getNormalizedFunctionName(fn) {
    return this.getNormalizedResourceName(fn);
  },
  extractLambdaNameFromArn: (arn) => arn.substring(arn.lastIndexOf(':') + 1),
  extractAuthorizerNameFromArn(arn) {
    const parts = arn.split(':');
    const name = parts[parts.length - 1].split('-');
    return name[name.length - 1];
  },
  getLambdaLogicalId(fn) {
    return `${this.getNormalizedFunctionName(fn)}LambdaFunction`;
  },
  getLambdaFunctionUrlLogicalId(fn) {
    return `${this.getNormalizedFunctionName(fn)}LambdaFunctionUrl`;
  },
  getLambdaEventConfigLogicalId(fn) {
    return `${this.getNormalizedFunctionName(fn)}LambdaEvConf`;
  },
  getLambdaLayerLogicalId(layer) {
    return `${this.getNormalizedFunctionName(layer)}LambdaLayer`;
  },
  getLambdaLayerPermissionLogicalId(layer, account) {
    return `${this.getNormalizedFunctionName(layer)}${account.replace('*', 'Wild')}LambdaLayerPermission`;
  },
  getLambdaLogicalIdRegex: () => /LambdaFunction$/,
  getLambdaVersionLogicalId(fn, sha) {
    return `${this.getNormalizedFunctionName(fn)}LambdaVersion${sha.replace(alnumOnly, '')}`;
  },
  getCodeDeployApplicationLogicalId: () => 'CodeDeployApplication',
  getCodeDeployDeploymentGroupLogicalId: () => 'CodeDeployDeploymentGroup',
  getCodeDeployRoleLogicalId: () => 'CodeDeployRole',
  getLambdaProvisionedConcurrencyAliasLogicalId(fn) {
    return `${this.getNormalizedFunctionName(fn)}ProvConcLambdaAlias`;
  },
  getLambdaSnapStartAliasLogicalId(fn) {
    return `${this.getNormalizedFunctionName(fn)}SnapStartLambdaAlias`;
  },
  getLambdaProvisionedConcurrencyAliasName: () => 'provisioned',
  getLambdaSnapStartEnabledAliasName: () => 'snapstart',
  getLambdaFunctionUrlOutputLogicalId(fn) {
    return `${this.getNormalizedFunctionName(fn)}LambdaFunctionUrl`;
  },
  getLambdaVersionOutputLogicalId(fn) {
    return `${this.getLambdaLogicalId(fn)}QualifiedArn`;
  },
  getLambdaLayerOutputLogicalId(layer) {
    return `${this.getLambdaLayerLogicalId(layer)}QualifiedArn`;
  },
  getLambdaLayerHashOutputLogicalId(layer) {
    return `${this.getLambdaLayerLogicalId(layer)}Hash`;
  },
  getLambdaLayerS3KeyOutputLogicalId(layer) {
    return `${this.getLambdaLayerLogicalId(layer)}S3Key`;
  },

  // WebSockets
  getWebsocketsApiName() {
    const { websocketsApiName } = service(this).provider;
    if (websocketsApiName && typeof websocketsApiName === 'string') return `${websocketsApiName}`;
    return `${this.provider.getStage()}-${service(this).service}-websockets`;
  },
  getWebsocketsApiLogicalId: () => 'WebsocketsApi',
  getWebsocketsIntegrationLogicalId(fn) {
    return `${this.getNormalizedFunctionName(fn)}WebsocketsIntegration`;
  },
  getLambdaWebsocketsPermissionLogicalId(fn) {
    return `${this.getNormalizedFunctionName(fn)}LambdaPermissionWebsockets`;
  },
  getNormalizedWebsocketsRouteKey: (route) =>
    route.replace(/\$/g, 'S').replace(/\//g, 'Slash').replace(/-/g, 'Dash').replace(/_/g, 'Underscore').replace(/\./g, 'Period'),
  getWebsocketsRouteLogicalId(route) {
    return `${this.getNormalizedWebsocketsRouteKey(route)}WebsocketsRoute`;
  },
  getWebsocketsDeploymentLogicalId: (sha) => `WebsocketsDeployment${sha.replace(alnumOnly, '')}`,
  getWebsocketsRouteResponseLogicalId(route) {
    return `${this.getWebsocketsRouteLogicalId(route)}Response`;
  },
  getWebsocketsStageLogicalId: () => 'WebsocketsDeploymentStage',
  getWebsocketsAuthorizerLogicalId(fn) {
    return `${this.getNormalizedAuthorizerName(fn)}WebsocketsAuthorizer`;
  },
  getWebsocketsLogGroupLogicalId: () => 'WebsocketsLogGroup',

  // API Gateway (REST)
  getApiGatewayName() {
    const provider = service(this).provider;
    if (provider.apiName) return `${provider.apiName}`;
    const startWithService = provider.apiGateway && provider.apiGateway.shouldStartNameWithService;
    const [svc, stage] = [service(this).service, this.provider.getStage()];
    return startWithService ? `${svc}-${stage}` : `${stage}-${svc}`;
  },
  generateApiGatewayDeploymentLogicalId: (id) => `ApiGatewayDeployment${id}`,
  getRestApiLogicalId: () => 'ApiGatewayRestApi',
  getNormalizedAuthorizerName(fn) {
    return this.getNormalizedFunctionName(fn);
  },
  getAuthorizerLogicalId(fn) {
    return `${this.getNormalizedAuthorizerName(fn)}ApiGatewayAuthorizer`;
  },
  normalizePath(resourcePath) {
    return resourcePath
      .split('/')
      .map((p) => this.normalizePathPart(p))
      .join('');
  },
  getResourceLogicalId(resourcePath) {
    return `ApiGatewayResource${this.normalizePath(resourcePath)}`;
  },
  extractResourceId: (logicalId) => logicalId.match(/ApiGatewayResource(.*)/)[1],
  normalizeMethodName(method) {
    return this.normalizeName(method.toLowerCase());
  },
  getMethodLogicalId(resourceId, method) {
    return `ApiGatewayMethod${resourceId}${this.normalizeMethodName(method)}`;
  },
  getValidatorLogicalId() {
    return `ApiGateway${this.normalizeNameToAlphaNumericOnly(service(this).service)}RequestValidator`;
  },
  getModelLogicalId: (schemaId) => `ApiGateway${upperCamel(schemaId)}Model`,
  getEndpointModelLogicalId(resourceId, method, contentType) {
    return `${this.getMethodLogicalId(resourceId, method)}${startCase(contentType).replace(/ /g, '')}Model`;
  },
  getApiKeyLogicalId(number, name) {
    return name ? `ApiGatewayApiKey${this.normalizeName(name)}${number}` : `ApiGatewayApiKey${number}`;
  },
  getApiKeyLogicalIdRegex: () => /^ApiGatewayApiKey/,
  getUsagePlanLogicalId(name) {
    return name ? `ApiGatewayUsagePlan${this.normalizeName(name)}` : 'ApiGatewayUsagePlan';
  },
  getUsagePlanKeyLogicalId(number, name) {
    return name ? `ApiGatewayUsagePlanKey${this.normalizeName(name)}${number}` : `ApiGatewayUsagePlanKey${number}`;
  },
  getStageLogicalId: () => 'ApiGatewayStage',
  getApiGatewayLogGroupLogicalId: () => 'ApiGatewayLogGroup',

  // Deployment bucket
  getDeploymentBucketLogicalId: () => 'ServerlessDeploymentBucket',
  getDeploymentBucketOutputLogicalId: () => 'ServerlessDeploymentBucketName',
  getDeploymentBucketPolicyLogicalId: () => 'ServerlessDeploymentBucketPolicy',

  // S3 and SNS
  normalizeBucketName(bucket) {
    return this.normalizeNameToAlphaNumericOnly(bucket);
  },
  getBucketLogicalId(bucket) {
    return `S3Bucket${this.normalizeBucketName(bucket)}`;
  },
  normalizeTopicName(topic) {
    return this.normalizeNameToAlphaNumericOnly(topic);
  },
  getTopicLogicalId(topic) {
    return `SNSTopic${this.normalizeTopicName(topic)}`;
  },
  getTopicDLQPolicyLogicalId(fn, topic) {
    return `${this.normalizeTopicName(topic)}To${this.getNormalizedFunctionName(fn)}DLQPolicy`;
  },

  // Schedules
  getScheduleId: (fn) => `${fn}Schedule`,
  getScheduleLogicalId(fn, i) {
    return `${this.getNormalizedFunctionName(fn)}EventsRuleSchedule${i}`;
  },
  getSchedulerScheduleLogicalId(fn, i) {
    return `${this.getNormalizedFunctionName(fn)}SchedulerSchedule${i}`;
  },

  // Streams and queues
  getStreamLogicalId(fn, type, stream) {
    return `${this.getNormalizedFunctionName(fn)}EventSourceMapping${this.normalizeName(type)}${this.normalizeNameToAlphaNumericOnly(stream)}`;
  },
  getStreamConsumerName(fn, stream) {
    const kinesis = service(this).provider.kinesis;
    if (kinesis && kinesis.consumerNamingMode) {
      return `${fn}${stream}${service(this).getServiceName()}${this.provider.getStage()}Consumer`;
    }
    return `${fn}${stream}Consumer`;
  },
  getStreamConsumerLogicalId(consumer) {
    return `${this.getNormalizedFunctionName(consumer)}StreamConsumer`;
  },
  getQueueLogicalId(fn, queue) {
    return `${this.getNormalizedFunctionName(fn)}EventSourceMappingSQS${this.normalizeNameToAlphaNumericOnly(queue)}`;
  },
  getMSKEventLogicalId(fn, cluster, topic) {
    const c = this.normalizeNameToAlphaNumericOnly(cluster).slice(0, 79);
    const t = this.normalizeNameToAlphaNumericOnly(topic).slice(0, 79);
    return `${this.getNormalizedFunctionName(fn)}EventSourceMappingMSK${c}${t}`;
  },
  getKafkaEventLogicalId(fn, topic) {
    return `${this.getNormalizedFunctionName(fn)}EventSourceMappingKafka${this.normalizeNameToAlphaNumericOnly(topic).slice(0, 158)}`;
  },
  getActiveMQEventLogicalId(fn, queue) {
    return `${this.getNormalizedFunctionName(fn)}EventSourceMappingActiveMQ${this.normalizeNameToAlphaNumericOnly(queue).slice(0, 150)}`;
  },
  getRabbitMQEventLogicalId(fn, queue) {
    return `${this.getNormalizedFunctionName(fn)}EventSourceMappingRabbitMQ${this.normalizeNameToAlphaNumericOnly(queue).slice(0, 150)}`;
  },

  // IoT, CloudWatch, Cognito
  getIotLogicalId(fn, i) {
    return `${this.getNormalizedFunctionName(fn)}IotTopicRule${i}`;
  },
  getLambdaIotPermissionLogicalId(fn, i) {
    return `${this.getNormalizedFunctionName(fn)}LambdaPermissionIotTopicRule${i}`;
  },
  getIotFleetProvisioningLogicalId(fn) {
    return `${this.getNormalizedFunctionName(fn)}IotProvisioningTemplate`;
  },
  getLambdaIotFleetProvisioningPermissionLogicalId(fn) {
    return `${this.getNormalizedFunctionName(fn)}LambdaPermissionIotProvisioningTemplate`;
  },
  getCloudWatchEventId: (fn) => `${fn}CloudWatchEvent`,
  getCloudWatchEventLogicalId(fn, i) {
    return `${this.getNormalizedFunctionName(fn)}EventsRuleCloudWatchEvent${i}`;
  },
  getCloudWatchLogLogicalId(fn, i) {
    return `${this.getNormalizedFunctionName(fn)}LogsSubscriptionFilterCloudWatchLog${i}`;
  },
  getCognitoUserPoolLogicalId(pool) {
    return `CognitoUserPool${this.normalizeNameToAlphaNumericOnly(pool)}`;
  },

  // ALB
  getAlbTargetGroupLogicalId(fn, albId, multiValue) {
    return `${this.getNormalizedFunctionName(fn)}Alb${multiValue ? 'MultiValue' : ''}TargetGroup${albId}`;
  },
  getAlbTargetGroupNameTagValue(fn, albId, multiValue) {
    return `${service(this).service}-${fn}-${albId}-${multiValue ? 'multi-value-' : ''}${this.provider.getStage()}`;
  },
  generateAlbTargetGroupName(fn, albId, multiValue) {
    const hash = crypto.createHash('md5').update(this.getAlbTargetGroupNameTagValue(fn, albId, multiValue)).digest('hex');
    return (this.provider.getAlbTargetGroupPrefix() + hash).slice(0, 32);
  },
  getAlbListenerRuleLogicalId(fn, i) {
    return `${this.getNormalizedFunctionName(fn)}AlbListenerRule${i}`;
  },

  // Permissions
  getLambdaS3PermissionLogicalId(fn, bucket) {
    return `${this.getNormalizedFunctionName(fn)}LambdaPermission${this.normalizeBucketName(bucket)}S3`;
  },
  getLambdaSnsPermissionLogicalId(fn, topic) {
    return `${this.getNormalizedFunctionName(fn)}LambdaPermission${this.normalizeTopicName(topic)}SNS`;
  },
  getLambdaSnsSubscriptionLogicalId(fn, topic) {
    return `${this.getNormalizedFunctionName(fn)}SnsSubscription${this.normalizeTopicName(topic)}`;
  },
  getLambdaSchedulePermissionLogicalId(fn, i) {
    return `${this.getNormalizedFunctionName(fn)}LambdaPermissionEventsRuleSchedule${i}`;
  },
  getLambdaCloudWatchEventPermissionLogicalId(fn, i) {
    return `${this.getNormalizedFunctionName(fn)}LambdaPermissionEventsRuleCloudWatchEvent${i}`;
  },
  getLambdaApiGatewayPermissionLogicalId(fn) {
    return `${this.getNormalizedFunctionName(fn)}LambdaPermissionApiGateway`;
  },
  getLambdaHttpApiPermissionLogicalId(fn) {
    return `${this.getNormalizedFunctionName(fn)}LambdaPermissionHttpApi`;
  },
  getLambdaFnUrlPermissionLogicalId(fn) {
    return `${this.getNormalizedFunctionName(fn)}LambdaPermissionFnUrl`;
  },
  getLambdaAuthorizerHttpApiPermissionLogicalId(authorizer) {
    return `${this.getNormalizedResourceName(authorizer)}LambdaAuthorizerPermissionHttpApi`;
  },
  getLambdaAlexaSkillPermissionLogicalId(fn, i) {
    return `${this.getNormalizedFunctionName(fn)}LambdaPermissionAlexaSkill${i || '0'}`;
  },
  getLambdaAlexaSmartHomePermissionLogicalId(fn, i) {
    return `${this.getNormalizedFunctionName(fn)}LambdaPermissionAlexaSmartHome${i}`;
  },
  getLambdaCloudWatchLogPermissionLogicalId(fn) {
    return `${this.getNormalizedFunctionName(fn)}LambdaPermissionLogsSubscriptionFilterCloudWatchLog`;
  },
  getLambdaCognitoUserPoolPermissionLogicalId(fn, pool, trigger) {
    return `${this.getNormalizedFunctionName(fn)}LambdaPermissionCognitoUserPool${this.normalizeNameToAlphaNumericOnly(pool)}TriggerSource${this.normalizeNameToAlphaNumericOnly(trigger)}`;
  },
  getLambdaAlbPermissionLogicalId(fn) {
    return `${this.getNormalizedFunctionName(fn)}LambdaPermissionAlb`;
  },
  getLambdaRegisterTargetPermissionLogicalId(fn) {
    return `${this.getNormalizedFunctionName(fn)}LambdaPermissionRegisterTarget`;
  },

  // Custom resources
  getCustomResourcesArtifactName: () => 'custom-resources.zip',
  getCustomResourcesRoleLogicalId: () => 'IamRoleCustomResourcesLambdaExecution',
  getCustomResourceS3HandlerFunctionName: () => 'custom-resource-existing-s3',
  getCustomResourceS3HandlerFunctionLogicalId() {
    return this.getLambdaLogicalId(this.getNormalizedFunctionName(this.getCustomResourceS3HandlerFunctionName()));
  },
  getCustomResourceS3ResourceLogicalId(fn) {
    return `${this.getNormalizedFunctionName(fn)}CustomS31`;
  },
  getCustomResourceCognitoUserPoolHandlerFunctionName: () => 'custom-resource-existing-cup',
  getCustomResourceCognitoUserPoolHandlerFunctionLogicalId() {
    return this.getLambdaLogicalId(this.getNormalizedFunctionName(this.getCustomResourceCognitoUserPoolHandlerFunctionName()));
  },
  getCustomResourceCognitoUserPoolResourceLogicalId(fn) {
    return `${this.getNormalizedFunctionName(fn)}CustomCognitoUserPool1`;
  },
  getCustomResourceEventBridgeHandlerFunctionName: () => 'custom-resource-event-bridge',
  getCustomResourceEventBridgeHandlerFunctionLogicalId() {
    return this.getLambdaLogicalId(this.getNormalizedFunctionName(this.getCustomResourceEventBridgeHandlerFunctionName()));
  },
  getCustomResourceEventBridgeResourceLogicalId(fn, i) {
    return `${this.getNormalizedFunctionName(fn)}CustomEventBridge${i}`;
  },
  getCustomResourceApiGatewayAccountCloudWatchRoleHandlerFunctionName: () => 'custom-resource-apigw-cw-role',
  getCustomResourceApiGatewayAccountCloudWatchRoleHandlerFunctionLogicalId() {
    return this.getLambdaLogicalId(
      this.getNormalizedFunctionName(this.getCustomResourceApiGatewayAccountCloudWatchRoleHandlerFunctionName())
    );
  },
  getCustomResourceApiGatewayAccountCloudWatchRoleResourceLogicalId: () => 'CustomApiGatewayAccountCloudWatchRole',

  // EventBridge
  getEventBridgeEventBusLogicalId(bus) {
    return `${this.getNormalizedResourceName(bus)}EventBridgeEventBus`;
  },
  getEventBridgeRuleLogicalId(rule) {
    return `${this.normalizeNameToAlphaNumericOnly(rule)}EventBridgeRule`;
  },
  getEventBridgeLambdaPermissionLogicalId(fn, i) {
    return `${this.getNormalizedFunctionName(fn)}EventBridgeLambdaPermission${i}`;
  },

  // CloudFront
  getCloudFrontDistributionLogicalId: () => 'CloudFrontDistribution',
  getCloudFrontDistributionDomainNameLogicalId: () => 'CloudFrontDistributionDomainName',
  getLambdaAtEdgeInvokePermissionLogicalId(fn) {
    return `${this.getLambdaLogicalId(fn)}InvokePermission`;
  },
  getCloudFrontOriginId(origin) {
    const kind = origin.S3OriginConfig ? 's3' : 'custom';
    const domain = typeof origin.DomainName === 'string' ? origin.DomainName : this.normalizeNameToAlphaNumericOnly(JSON.stringify(origin.DomainName));
    return `${kind}/${domain}${origin.OriginPath || ''}`;
  },
  getCloudFrontCachePolicyLogicalId(name) {
    return `CloudFrontCachePolicy${this.getNormalizedFunctionName(name)}`;
  },
  getCloudFrontCachePolicyName(name) {
    return `${service(this).getServiceName()}-${this.provider.getStage()}-${name}`;
  },

  // HTTP API
  getHttpApiName() {
    const httpApi = service(this).provider.httpApi;
    if (httpApi && httpApi.name) return `${String(httpApi.name)}`;
    const [svc, stage] = [service(this).service, this.provider.getStage()];
    return httpApi && httpApi.shouldStartNameWithService ? `${svc}-${stage}` : `${stage}-${svc}`;
  },
  getHttpApiLogicalId: () => 'HttpApi',
  getHttpApiStageLogicalId: () => 'HttpApiStage',
  getHttpApiIntegrationLogicalId(fn) {
    return `HttpApiIntegration${this.getNormalizedFunctionName(fn)}`;
  },
  getHttpApiRouteLogicalId(routeKey) {
    return routeKey === '*' ? 'HttpApiRouteDefault' : `HttpApiRoute${this.normalizePath(routeKey)}`;
  },
  getHttpApiAuthorizerLogicalId(name) {
    return `HttpApiAuthorizer${this.getNormalizedFunctionName(name)}`;
  },
  getHttpApiLogGroupLogicalId: () => 'HttpApiLogGroup',
  getHttpApiLogGroupName() {
    return `/aws/http-api/${this.getStackName()}`;
  },
  getEcrRepositoryName() {
    return `serverless-${service(this).getServiceName()}-${this.provider.getStage()}`.toLowerCase().replace(/-+/g, '-').replace(/-$/, '');
  },
};
