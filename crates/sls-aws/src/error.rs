//! One error type for everything that talks to AWS, and the classifier that
//! turns SDK errors into one-paragraph explanations (compat.md §2.9).
//!
//! Messages are built only from error codes, AWS's own error messages, ARNs,
//! masked key ids, file paths and variable names: never from a secret.

use std::error::Error as StdError;
use std::fmt;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// What kind of failure, for callers that branch (exit codes, retries, tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A bad `ca`/`cafile`/`AWS_CA_BUNDLE`/`ca_bundle`, proxy URL or other setting.
    Settings,
    /// The access key id is unknown to AWS.
    InvalidKeyId,
    /// The secret does not match the key id.
    SignatureMismatch,
    /// Temporary credentials have expired.
    ExpiredToken,
    /// The account is not activated for the service (no payment method / opt-in).
    Subscription,
    /// The identity may not perform the action.
    AccessDenied,
    /// AWS kept throttling after retries.
    Throttling,
    /// The server's certificate is not trusted (or another TLS failure).
    Tls,
    /// Nothing listens at the endpoint.
    ConnectionRefused,
    /// The request timed out.
    Timeout,
    /// MFA code missing or refused.
    Mfa,
    /// `credential_process` failed.
    Process,
    /// IAM Identity Center (SSO) token missing/expired or refused.
    Sso,
    /// A web identity token file could not be read.
    WebIdentity,
    /// Container / instance-metadata credentials unavailable.
    Provider,
    /// Anything else AWS said.
    Service,
    /// Network or local failure not covered above.
    Other,
}

/// An AWS-side failure explained for humans: `what` happened (one paragraph)
/// and, usually, a `hint` saying what to do. `Display` shows `what` only; render
/// the hint on its own line. Neither ever contains a secret.
#[derive(Clone)]
pub struct AwsError {
    kind: ErrorKind,
    what: String,
    hint: Option<String>,
    /// The AWS error code (`InvalidClientTokenId`, …) when AWS answered.
    code: Option<String>,
}

impl AwsError {
    pub fn new(kind: ErrorKind, what: impl Into<String>) -> Self {
        AwsError {
            kind,
            what: what.into(),
            hint: None,
            code: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub(crate) fn with_code(mut self, code: Option<&str>) -> Self {
        self.code = code.map(str::to_string);
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn what(&self) -> &str {
        &self.what
    }

    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    pub(crate) fn settings(what: impl Into<String>) -> Self {
        Self::new(ErrorKind::Settings, what)
    }
}

impl sls_hint::Hint for AwsError {
    fn hint(&self) -> Option<std::borrow::Cow<'_, str>> {
        self.hint.as_deref().map(std::borrow::Cow::Borrowed)
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.what)
    }
}

impl fmt::Debug for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsError")
            .field("kind", &self.kind)
            .field("what", &self.what)
            .field("hint", &self.hint)
            .field("code", &self.code)
            .finish()
    }
}

impl StdError for AwsError {}

/// What was being attempted, to name in messages.
#[derive(Clone, Debug, Default)]
pub struct CallContext<'a> {
    /// IAM action, e.g. `sts:AssumeRole`, `cloudformation:CreateStack`.
    pub action: &'a str,
    /// Who made the call: an ARN, a profile name or a masked key id.
    pub identity: Option<&'a str>,
    /// The endpoint when it is a custom one (`AWS_ENDPOINT_URL…`).
    pub endpoint: Option<&'a str>,
}

const CA_HINT: &str = "If you connect through a TLS-inspecting proxy or to an endpoint with a private certificate authority, \
point sls at the CA certificate with `cafile=/path/ca.pem`, `ca=\"<PEM text>\"` or `AWS_CA_BUNDLE=/path/ca.pem` \
(or `ca_bundle` in the AWS profile).";

/// Classifies an SDK error into an [`AwsError`] with a hint.
pub fn explain_sdk_error<E, R>(err: &SdkError<E, R>, call: &CallContext<'_>) -> AwsError
where
    E: ProvideErrorMetadata + StdError + 'static,
    R: fmt::Debug + 'static,
{
    match err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            if e.code().is_some() {
                return explain_code(e.code(), e.message(), call);
            }
            // Some endpoints (moto with auth checking on) answer in a shape the
            // SDK's protocol parser does not pick the code out of: read the raw body.
            let raw: &dyn std::any::Any = service.raw();
            let (code, message) = raw
                .downcast_ref::<HttpResponse>()
                .and_then(|r| r.body().bytes())
                .map(|b| code_from_body(&String::from_utf8_lossy(b)))
                .unwrap_or((None, None));
            let status = raw
                .downcast_ref::<HttpResponse>()
                .map(|r| r.status().as_u16());
            let mut err = explain_code(code.as_deref(), message.as_deref().or(e.message()), call);
            if err.kind() == ErrorKind::Service && code.is_none() {
                if let Some(status) = status {
                    err = AwsError::new(
                        ErrorKind::Service,
                        format!("{} (HTTP {status})", err.what().trim_end_matches('.')),
                    );
                }
            }
            err
        }
        SdkError::ResponseError(response) => {
            // A body the protocol parser rejects can still name the error: moto
            // answers JSON-protocol services (SSM…) with an XML AccessDenied.
            let raw: &dyn std::any::Any = response.raw();
            let (code, message) = raw
                .downcast_ref::<HttpResponse>()
                .and_then(|r| r.body().bytes())
                .map(|b| code_from_body(&String::from_utf8_lossy(b)))
                .unwrap_or((None, None));
            match code {
                Some(code) => explain_code(Some(&code), message.as_deref(), call),
                None => explain_transport(err, call),
            }
        }
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => explain_transport(err, call),
        SdkError::ConstructionFailure(_) => {
            let detail = chain_text(err);
            if detail.contains("credentials") || detail.contains("Credentials") {
                AwsError::new(
                    ErrorKind::Other,
                    format!(
                        "Could not sign the {} request: no usable credentials ({detail}).",
                        call.action
                    ),
                )
            } else {
                AwsError::new(
                    ErrorKind::Other,
                    format!("Could not build the {} request: {detail}", call.action),
                )
            }
        }
        _ => AwsError::new(
            ErrorKind::Other,
            format!("{} failed: {}", call.action, chain_text(err)),
        ),
    }
}

/// Classifies an AWS error code and message (as returned by any service).
pub fn explain_code(code: Option<&str>, message: Option<&str>, call: &CallContext<'_>) -> AwsError {
    let msg = message.unwrap_or("").trim();
    let said = if msg.is_empty() {
        String::new()
    } else {
        format!(" AWS said: {msg}")
    };
    let who = call
        .identity
        .map(|i| format!(" (identity: {i})"))
        .unwrap_or_default();
    let action = call.action;
    let lower = msg.to_ascii_lowercase();
    let c = code.unwrap_or("");
    let e = match c {
        "InvalidClientTokenId" | "InvalidAccessKeyId" | "UnrecognizedClientException"
        | "AuthFailure" => AwsError::new(
            ErrorKind::InvalidKeyId,
            format!("AWS does not recognise the access key id used for {action}{who}.{said}"),
        )
        .with_hint(
            "The key may have been deleted or deactivated, belong to another partition, or be temporary \
             credentials used without their session token. Check the credentials with `sls credentials show`, \
             or create a new access key in IAM.",
        ),
        "SignatureDoesNotMatch" => AwsError::new(
            ErrorKind::SignatureMismatch,
            format!("The secret access key does not match the access key id used for {action}{who}.{said}"),
        )
        .with_hint(
            "The secret is wrong or was copied incompletely (watch for stray spaces or quotes). \
             Set it again with `sls config credentials --provider aws --key … --secret … --overwrite`.",
        ),
        "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" | "TokenRefreshRequired" => {
            AwsError::new(
                ErrorKind::ExpiredToken,
                format!("The temporary credentials used for {action} have expired{who}.{said}"),
            )
            .with_hint(
                "Obtain fresh credentials (e.g. `sls sso login`, a new session token, or re-run so the role is \
                 assumed again; delete ~/.aws/cli/cache if a cached session is stale).",
            )
        }
        "OptInRequired" | "SubscriptionRequiredException" | "NotSignedUp" => AwsError::new(
            ErrorKind::Subscription,
            format!("The AWS account is not activated for this service ({action}).{said}"),
        )
        .with_hint(SUBSCRIPTION_HINT),
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" | "Forbidden"
        | "AuthorizationError" => AwsError::new(
            ErrorKind::AccessDenied,
            format!(
                "Access denied: {} is not allowed to perform {action}.{said}",
                call.identity.unwrap_or("the identity in use")
            ),
        )
        .with_hint(
            "Grant the action in an IAM policy attached to that identity (or, for sts:AssumeRole, allow it \
             in the role's trust policy), or use other credentials (`--aws-profile`).",
        ),
        "Throttling" | "ThrottlingException" | "TooManyRequestsException"
        | "RequestLimitExceeded" | "SlowDown" => AwsError::new(
            ErrorKind::Throttling,
            format!("AWS kept throttling {action} even after retries.{said}"),
        )
        .with_hint("Wait a minute and try again, or raise AWS_MAX_ATTEMPTS."),
        _ if lower.contains("needs a subscription") || lower.contains("opt-in") => AwsError::new(
            ErrorKind::Subscription,
            format!("The AWS account is not activated for this service ({action}).{said}"),
        )
        .with_hint(SUBSCRIPTION_HINT),
        _ => AwsError::new(
            ErrorKind::Service,
            format!(
                "{action} failed{}{who}.{said}",
                if c.is_empty() {
                    String::new()
                } else {
                    format!(" with {c}")
                }
            ),
        ),
    };
    e.with_code(code)
}

const SUBSCRIPTION_HINT: &str = "AWS answers this way when the account has not finished sign-up: add a valid payment method \
and complete account activation in the AWS console (Billing), or enable (opt in to) the region, then wait a few minutes.";

fn explain_transport<E, R>(err: &SdkError<E, R>, call: &CallContext<'_>) -> AwsError
where
    E: StdError + 'static,
    R: fmt::Debug + 'static,
{
    let text = chain_text(err);
    let lower = text.to_ascii_lowercase();
    let where_ = call
        .endpoint
        .map(|e| format!(" at {e}"))
        .unwrap_or_default();
    let action = call.action;
    if lower.contains("certificate")
        || lower.contains("unknownissuer")
        || lower.contains("invalid peer")
        || lower.contains("tls handshake")
        || lower.contains("invalidcertificate")
    {
        return AwsError::new(
            ErrorKind::Tls,
            format!(
                "The TLS certificate of the AWS endpoint{where_} is not trusted ({action}): {text}"
            ),
        )
        .with_hint(CA_HINT);
    }
    if lower.contains("connection refused")
        || has_io_kind(err, std::io::ErrorKind::ConnectionRefused)
    {
        return AwsError::new(
            ErrorKind::ConnectionRefused,
            format!("Could not connect to the AWS endpoint{where_} for {action}: connection refused."),
        )
        .with_hint(match call.endpoint {
            Some(_) => "Nothing is listening there: start the local endpoint (e.g. moto server) or fix AWS_ENDPOINT_URL.",
            None => "Check your network and proxy settings (HTTPS_PROXY, NO_PROXY).",
        });
    }
    if matches!(err, SdkError::TimeoutError(_))
        || lower.contains("timed out")
        || lower.contains("timeout")
    {
        return AwsError::new(
            ErrorKind::Timeout,
            format!("The request to AWS{where_} for {action} timed out."),
        )
        .with_hint("Check the network and proxy settings; raise AWS_CLIENT_TIMEOUT (milliseconds) for slow links.");
    }
    if lower.contains("dns")
        || lower.contains("failed to lookup")
        || lower.contains("name or service not known")
    {
        return AwsError::new(
            ErrorKind::Other,
            format!("Could not resolve the AWS endpoint{where_} for {action}: {text}"),
        )
        .with_hint("Check your network, DNS, the region name and AWS_ENDPOINT_URL.");
    }
    AwsError::new(
        ErrorKind::Other,
        format!("The request to AWS{where_} for {action} failed: {text}"),
    )
}

/// `<Code>…</Code>` / `<Message>…</Message>` (XML) or `__type` / `message` (JSON).
fn code_from_body(body: &str) -> (Option<String>, Option<String>) {
    let tag = |name: &str| {
        let open = format!("<{name}>");
        let start = body.find(&open)? + open.len();
        let end = body[start..].find(&format!("</{name}>"))? + start;
        Some(body[start..end].trim().to_string()).filter(|s| !s.is_empty())
    };
    if let Some(code) = tag("Code") {
        return (Some(code), tag("Message"));
    }
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(body) {
        let code = v
            .get("__type")
            .or_else(|| v.get("code"))
            .and_then(|c| c.as_str())
            .map(|c| c.rsplit('#').next().unwrap_or(c).to_string());
        let msg = v
            .get("message")
            .or_else(|| v.get("Message"))
            .and_then(|m| m.as_str())
            .map(str::to_string);
        return (code, msg);
    }
    (None, None)
}

fn has_io_kind(err: &(dyn StdError + 'static), kind: std::io::ErrorKind) -> bool {
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if io.kind() == kind {
                return true;
            }
        }
        cur = e.source();
    }
    false
}

/// The error and its sources joined with `: `, de-duplicated. SDK errors carry
/// no credentials in their messages; raw `Debug` dumps are never used.
pub(crate) fn chain_text(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        let s = e.to_string();
        if !s.is_empty() && !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = e.source();
    }
    // The SDK's top level ("dispatch failure", "service error") says little.
    if parts.len() > 1 {
        parts.retain(|p| p != "dispatch failure" && p != "service error" && p != "io error");
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use sls_hint::Hint;

    fn call() -> CallContext<'static> {
        CallContext {
            action: "sts:GetCallerIdentity",
            identity: Some("AKIA…MPLE"),
            endpoint: None,
        }
    }

    #[test]
    fn codes_are_classified() {
        let cases = [
            ("InvalidClientTokenId", ErrorKind::InvalidKeyId),
            ("InvalidAccessKeyId", ErrorKind::InvalidKeyId),
            ("SignatureDoesNotMatch", ErrorKind::SignatureMismatch),
            ("ExpiredToken", ErrorKind::ExpiredToken),
            ("OptInRequired", ErrorKind::Subscription),
            ("AccessDenied", ErrorKind::AccessDenied),
            ("Throttling", ErrorKind::Throttling),
            ("Weird", ErrorKind::Service),
        ];
        for (code, kind) in cases {
            let e = explain_code(Some(code), Some("msg"), &call());
            assert_eq!(e.kind(), kind, "{code}");
            assert_eq!(e.code(), Some(code));
            assert!(e.to_string().contains("sts:GetCallerIdentity"), "{e}");
        }
    }

    #[test]
    fn codes_from_raw_bodies() {
        let xml = "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>nope</Message></Error></ErrorResponse>";
        assert_eq!(
            code_from_body(xml),
            (Some("SignatureDoesNotMatch".into()), Some("nope".into()))
        );
        let json = r#"{"__type":"com.amazon#AccessDeniedException","message":"no"}"#;
        assert_eq!(
            code_from_body(json).0.as_deref(),
            Some(
                "com.amazon#AccessDeniedException"
                    .rsplit('#')
                    .next()
                    .unwrap()
            )
        );
        assert_eq!(code_from_body("garbage"), (None, None));
    }

    #[test]
    fn subscription_message_is_explained() {
        let e = explain_code(
            None,
            Some("The AWS Access Key Id needs a subscription for the service"),
            &call(),
        );
        assert_eq!(e.kind(), ErrorKind::Subscription);
        assert!(e.hint().unwrap().contains("payment method"));
    }

    #[test]
    fn access_denied_names_action_and_identity() {
        let e = explain_code(Some("AccessDenied"), None, &call());
        assert!(e.what().contains("AKIA…MPLE"));
        assert!(e.what().contains("sts:GetCallerIdentity"));
    }
}
