//! The deployment bucket: which bucket, listing it (one pager for keys and versions), the
//! deployment directories in it, uploads with v3's encryption settings, and deletes.

use std::future::Future;

use aws_sdk_cloudformation::types::Stack;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use sls_aws::{AwsError, ErrorKind};

use super::Clients;
use crate::error::{DeployError, Result};
use crate::naming;
use sls_config::model::Service;

type S3Error<E> = aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>;

/// An object key and, when listing versions, its version id (`None` for unversioned ones).
pub(super) type Object = (String, Option<String>);

/// The bucket holding the artifacts: the configured one, else the core stack's.
pub(super) async fn bucket_name(c: &Clients, service: &Service, stack: &Stack) -> Result<String> {
    if let Some(b) = &service.provider.deployment_bucket {
        return Ok(b.clone());
    }
    if let Some(v) = stack
        .outputs()
        .iter()
        .find(|o| o.output_key() == Some(naming::BUCKET_OUTPUT_LOGICAL_ID))
        .and_then(|o| o.output_value())
    {
        return Ok(v.to_string());
    }
    let out = c
        .cfn
        .describe_stack_resource()
        .stack_name(&service.stack_name)
        .logical_resource_id(naming::BUCKET_LOGICAL_ID)
        .send()
        .await
        .map_err(c.fail(
            "cloudformation:DescribeStackResource",
            format!("stack \"{}\"", service.stack_name),
        ))?;
    out.stack_resource_detail()
        .and_then(|d| d.physical_resource_id())
        .map(str::to_string)
        .ok_or_else(|| DeployError::NotDeployed {
            what: format!("the deployment bucket of stack \"{}\"", service.stack_name),
        })
}

/// Where a listing continues: (key or continuation token, version id marker).
type Cursor = (Option<String>, Option<String>);

/// The one S3 pager: calls `page` with the cursor of the previous page until there is none.
async fn pages<F, Fut>(mut page: F) -> Result<Vec<Object>>
where
    F: FnMut(Option<Cursor>) -> Fut,
    Fut: Future<Output = Result<(Vec<Object>, Option<Cursor>)>>,
{
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let (objects, next) = page(cursor).await?;
        all.extend(objects);
        match next {
            Some(next) => cursor = Some(next),
            None => return Ok(all),
        }
    }
}

/// A missing bucket is its own error (the caller names the stack); anything else is explained.
fn list_error<'a, E>(
    c: &'a Clients,
    action: &'static str,
    bucket: &str,
) -> impl FnOnce(S3Error<E>) -> DeployError + 'a
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let bucket = bucket.to_string();
    move |e| {
        if e.code() == Some("NoSuchBucket") {
            DeployError::MissingBucket {
                bucket,
                stack_name: String::new(),
            }
        } else {
            c.fail(action, format!("bucket \"{bucket}\""))(e)
        }
    }
}

/// All current keys under `prefix` (ListObjectsV2).
pub(super) async fn list_keys(c: &Clients, bucket: &str, prefix: &str) -> Result<Vec<String>> {
    let objects = pages(|cursor| async move {
        let out =
            c.s3.list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .set_continuation_token(cursor.and_then(|(token, _)| token))
                .send()
                .await
                .map_err(list_error(c, "s3:ListBucket", bucket))?;
        let objects = out
            .contents()
            .iter()
            .filter_map(|o| o.key().map(|k| (k.to_string(), None)))
            .collect();
        let next = match out.next_continuation_token() {
            Some(t) if out.is_truncated() == Some(true) => Some((Some(t.to_string()), None)),
            _ => None,
        };
        Ok((objects, next))
    })
    .await?;
    Ok(objects.into_iter().map(|(k, _)| k).collect())
}

/// Every object version and delete marker under `prefix` (ListObjectVersions).
pub(super) async fn all_versions(c: &Clients, bucket: &str, prefix: &str) -> Result<Vec<Object>> {
    pages(|cursor| async move {
        let (key_marker, version_marker) = cursor.unwrap_or_default();
        let page =
            c.s3.list_object_versions()
                .bucket(bucket)
                .prefix(prefix)
                .set_key_marker(key_marker)
                .set_version_id_marker(version_marker)
                .send()
                .await
                .map_err(list_error(c, "s3:ListBucketVersions", bucket))?;
        // Unversioned objects report version "null"; delete them by key alone.
        let version = |v: Option<&str>| v.filter(|v| *v != "null").map(str::to_string);
        let mut objects = Vec::new();
        for v in page.versions() {
            if let Some(k) = v.key() {
                objects.push((k.to_string(), version(v.version_id())));
            }
        }
        for m in page.delete_markers() {
            if let Some(k) = m.key() {
                objects.push((k.to_string(), version(m.version_id())));
            }
        }
        let next = (page.is_truncated() == Some(true)).then(|| {
            (
                page.next_key_marker().map(str::to_string),
                page.next_version_id_marker().map(str::to_string),
            )
        });
        Ok((objects, next))
    })
    .await
}

/// The `filesha256` metadata v3 stores on every uploaded file.
pub(super) async fn file_sha256(c: &Clients, bucket: &str, key: &str) -> Result<String> {
    let head =
        c.s3.head_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(c.fail("s3:GetObject", format!("s3://{bucket}/{key}")))?;
    Ok(head
        .metadata()
        .and_then(|m| m.get("filesha256"))
        .cloned()
        .unwrap_or_default())
}

/// Deployment directories (`<prefix>/<service>/<stage>/<epochMs>-<ISO>`), oldest first.
pub(super) fn deployment_dirs(keys: &[String], prefix: &str) -> Vec<String> {
    let mut dirs: Vec<String> = keys
        .iter()
        .filter_map(|k| {
            let rest = k.strip_prefix(prefix)?;
            let (dir, _) = rest.split_once('/')?;
            let (ms, iso) = dir.split_once('-')?;
            (ms.chars().all(|c| c.is_ascii_digit()) && !ms.is_empty() && iso.contains('T'))
                .then(|| format!("{prefix}{dir}"))
        })
        .collect();
    dirs.sort_by_key(|d| {
        let name = &d[prefix.len()..];
        let ms: u128 = name
            .split('-')
            .next()
            .and_then(|m| m.parse().ok())
            .unwrap_or(0);
        (ms, name.to_string())
    });
    dirs.dedup();
    dirs
}

pub(super) async fn delete_keys(
    c: &Clients,
    bucket: &str,
    objects: Vec<(String, Option<String>)>,
) -> Result<()> {
    use aws_sdk_s3::types::{Delete, ObjectIdentifier};
    for chunk in objects.chunks(1000) {
        let ids: Vec<ObjectIdentifier> = chunk
            .iter()
            .filter_map(|(k, v)| {
                ObjectIdentifier::builder()
                    .key(k)
                    .set_version_id(v.clone())
                    .build()
                    .ok()
            })
            .collect();
        let delete = Delete::builder()
            .set_objects(Some(ids))
            .quiet(true)
            .build()
            .map_err(|e| {
                super::aws_error(
                    "s3:DeleteObject",
                    format!("bucket \"{bucket}\""),
                    AwsError::new(
                        ErrorKind::Other,
                        format!("Could not build the s3:DeleteObjects request for bucket \"{bucket}\": {e}."),
                    ),
                )
            })?;
        c.s3.delete_objects()
            .bucket(bucket)
            .delete(delete)
            .send()
            .await
            .map_err(c.fail("s3:DeleteObject", format!("bucket \"{bucket}\"")))?;
    }
    Ok(())
}

pub(super) async fn put(
    c: &Clients,
    service: &Service,
    bucket: &str,
    key: String,
    body: ByteStream,
    sha: &str,
    content_type: Option<&str>,
) -> Result<()> {
    let mut req =
        c.s3.put_object()
            .bucket(bucket)
            .key(&key)
            .body(body)
            .metadata("filesha256", sha)
            .set_content_type(content_type.map(str::to_string));
    // v3 `setS3UploadEncryptionOptions`.
    if let Some(sse) = &service.provider.bucket_sse {
        req = req.server_side_encryption(sse.as_str().into());
    }
    if let Some(k) = &service.provider.bucket_sse_kms_key_id {
        req = req.ssekms_key_id(k);
    }
    let resource = format!("s3://{bucket}/{key}");
    req.send().await.map_err(c.fail("s3:PutObject", resource))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_deployment_dirs_oldest_first() {
        let p = "serverless/s/dev/";
        let keys = vec![
            format!("{p}1700000000002-2023-11-14T22:13:20.002Z/s.zip"),
            format!("{p}1700000000001-2023-11-14T22:13:20.001Z/s.zip"),
            format!(
                "{p}1700000000001-2023-11-14T22:13:20.001Z/compiled-cloudformation-template.json"
            ),
            format!("{p}junk/x"),
        ];
        assert_eq!(
            deployment_dirs(&keys, p),
            vec![
                format!("{p}1700000000001-2023-11-14T22:13:20.001Z"),
                format!("{p}1700000000002-2023-11-14T22:13:20.002Z"),
            ]
        );
    }
}
