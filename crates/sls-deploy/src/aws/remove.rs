//! `sls remove`: empty the deployment bucket (every version), delete the stack, wait.

use aws_config::SdkConfig;

use super::{bucket, stack, AwsOptions, Clients, DeployEvent, RemoveOutcome};
use crate::error::{DeployError, Result};
use sls_config::model::Service;

/// `sls remove`: empty the deployment bucket (all versions), delete the stack, wait.
pub async fn remove(
    sdk: &SdkConfig,
    service: &Service,
    opts: &AwsOptions,
    on_event: &(dyn Fn(DeployEvent) + Sync),
) -> Result<RemoveOutcome> {
    let c = Clients::new(sdk, opts);
    let name = service.stack_name.as_str();
    let Some(stack) = stack::settle(&c, name, false, opts, on_event).await? else {
        return Ok(RemoveOutcome::NotFound { stack: name.into() });
    };
    let mut deleted = 0;
    // A user's bucket is shared: only this service's prefix is emptied there.
    let (bucket, prefix) = match &service.provider.deployment_bucket {
        Some(b) => (Some(b.clone()), service.artifact_prefix()),
        None => (
            bucket::bucket_name(&c, service, &stack).await.ok(),
            String::new(),
        ),
    };
    if let Some(bucket) = bucket {
        on_event(DeployEvent::Step(format!(
            "Emptying deployment bucket {bucket}"
        )));
        match bucket::all_versions(&c, &bucket, &prefix).await {
            Ok(objects) => {
                deleted = objects.len();
                bucket::delete_keys(&c, &bucket, objects).await?;
            }
            // Already gone: nothing to empty.
            Err(DeployError::MissingBucket { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    let id = stack.stack_id().unwrap_or(name);
    stack::delete(&c, service, id, opts, on_event).await?;
    Ok(RemoveOutcome::Removed {
        stack: name.into(),
        objects_deleted: deleted,
    })
}
