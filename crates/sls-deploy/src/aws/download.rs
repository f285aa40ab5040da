//! One plain GET of a presigned URL (a function version's code) through the HTTP client of the
//! caller's `SdkConfig`, so the proxy, trust store and timeouts sls-aws set up apply to it too.
//! The URL carries its own signature: the request is sent unsigned and not retried.

use aws_config::SdkConfig;
use aws_smithy_runtime::client::orchestrator::operation::Operation;
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse, OrchestratorError};
use aws_smithy_types::body::SdkBody;

/// The body of `url`; an error says what went wrong (never the URL's signature).
pub(super) async fn get(sdk: &SdkConfig, url: &str) -> Result<Vec<u8>, String> {
    let (origin, path) = split_url(url).ok_or("the code location is not an http(s) URL")?;
    let mut op = Operation::builder()
        .service_name("sls")
        .operation_name("DownloadFunctionCode")
        .endpoint_url(origin)
        .no_auth()
        .no_retry();
    if let Some(client) = sdk.http_client() {
        op = op.http_client(client);
    }
    if let Some(sleep) = sdk.sleep_impl() {
        op = op.sleep_impl(sleep);
    }
    if let Some(time) = sdk.time_source() {
        op = op.time_source(time);
    }
    if let Some(timeouts) = sdk.timeout_config() {
        op = op.timeout_config(timeouts.clone());
    }
    let path = path.to_string();
    let op = op
        .serializer(move |()| {
            let mut req = HttpRequest::new(SdkBody::empty());
            req.set_uri(path.as_str())
                .map_err(aws_smithy_types::error::operation::BuildError::other)?;
            Ok(req)
        })
        .deserializer(body_of)
        .build();
    op.invoke(()).await.map_err(|e| describe(&e))
}

fn body_of(response: &HttpResponse) -> Result<Vec<u8>, OrchestratorError<HttpStatus>> {
    if !response.status().is_success() {
        return Err(OrchestratorError::operation(HttpStatus(
            response.status().as_u16(),
        )));
    }
    Ok(response.body().bytes().unwrap_or_default().to_vec())
}

/// A non-2xx answer.
#[derive(Debug)]
struct HttpStatus(u16);

impl std::fmt::Display for HttpStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {}", self.0)
    }
}

impl std::error::Error for HttpStatus {}

fn describe<R: std::fmt::Debug>(
    e: &aws_smithy_runtime_api::client::result::SdkError<HttpStatus, R>,
) -> String {
    use aws_smithy_runtime_api::client::result::SdkError;
    match e {
        SdkError::ServiceError(s) => format!("the server answered {}", s.err()),
        SdkError::TimeoutError(_) => "the download timed out".into(),
        SdkError::DispatchFailure(d) => match d.as_connector_error() {
            Some(c) => format!("could not connect ({c})"),
            None => "could not connect".into(),
        },
        other => format!("{other}"),
    }
}

/// `https://host[:port]` and `/path?query` of a URL.
fn split_url(url: &str) -> Option<(&str, &str)> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let scheme_len = url.len() - rest.len();
    match rest.find(['/', '?']) {
        Some(i) => Some((&url[..scheme_len + i], &url[scheme_len + i..])),
        None => Some((url, "/")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_at_their_path() {
        assert_eq!(
            split_url("https://b.s3.amazonaws.com/k/x.zip?X-Amz-Signature=1"),
            Some(("https://b.s3.amazonaws.com", "/k/x.zip?X-Amz-Signature=1"))
        );
        assert_eq!(
            split_url("http://127.0.0.1:80"),
            Some(("http://127.0.0.1:80", "/"))
        );
        assert_eq!(split_url("ftp://x/y"), None);
    }
}
