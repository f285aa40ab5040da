//! The network side of every SDK client: endpoint overrides, extra trusted
//! CAs, proxies and the HTTP client built from them. Everything is read from
//! the [`Env`] snapshot, never from the process environment.

use std::path::{Path, PathBuf};

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};
use aws_smithy_http_client::{Builder, Connector};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;

use crate::error::AwsError;
use crate::Env;
use sls_credentials::EnvExt;

/// The first of `names` that is set, with its name.
fn first<'a>(env: &'a Env, names: &[&'static str]) -> Option<(&'static str, &'a str)> {
    names.iter().find_map(|n| env.non_empty(n).map(|v| (*n, v)))
}

/// The endpoint override for a service: `AWS_ENDPOINT_URL_<SUFFIX>`, else
/// `AWS_ENDPOINT_URL`; none when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`.
/// `service_env_suffix` is the SDK's service id upper-cased with spaces as
/// underscores: `S3`, `CLOUDFORMATION`, `STS`, `SSO`, `LAMBDA`, `SSM`.
pub fn endpoint_for(env: &Env, service_env_suffix: &str) -> Option<String> {
    if env
        .non_empty("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return None;
    }
    let specific = format!(
        "AWS_ENDPOINT_URL_{}",
        service_env_suffix.to_ascii_uppercase()
    );
    env.non_empty(&specific)
        .or_else(|| env.non_empty("AWS_ENDPOINT_URL"))
        .map(str::to_string)
}

/// True when the service's endpoint override points at an IP address or
/// `localhost` (moto, LocalStack, MinIO…): S3 then needs path-style addressing.
pub fn uses_local_endpoint(env: &Env, service_env_suffix: &str) -> bool {
    let Some(url) = endpoint_for(env, service_env_suffix) else {
        return false;
    };
    let host = host_of(&url);
    host.eq_ignore_ascii_case("localhost")
        || host.ends_with(".localhost")
        || host.parse::<std::net::IpAddr>().is_ok()
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::Ipv6Addr>()
            .is_ok()
}

fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority
        .rsplit_once('@')
        .map(|(_, h)| h)
        .unwrap_or(authority);
    if authority.starts_with('[') {
        return authority.split_inclusive(']').next().unwrap_or(authority);
    }
    authority.split(':').next().unwrap_or(authority)
}

/// One validated bundle of extra trusted certificates (PEM).
#[derive(Clone, Debug)]
pub(crate) struct CaSource {
    pub pem: Vec<u8>,
}

/// Collects and validates the extra CAs: `ca`/`HTTPS_CA`/`https_ca` (PEM text,
/// `\n` escaped, several joined by commas), `cafile`/`HTTPS_CAFILE`/
/// `https_cafile` (comma-separated paths), `AWS_CA_BUNDLE`, and the profile's
/// `ca_bundle`. Relative paths are relative to `cwd`.
pub(crate) fn extra_cas(
    env: &Env,
    cwd: &Path,
    profile_ca_bundle: Option<&str>,
) -> Result<Vec<CaSource>, AwsError> {
    let mut out = Vec::new();
    if let Some((name, value)) = first(env, &["ca", "HTTPS_CA", "https_ca"]) {
        for (i, part) in value.split(',').enumerate() {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let pem = part.replace("\\n", "\n");
            let origin = format!("certificate #{} in the {name} environment variable", i + 1);
            validate_pem(pem.as_bytes(), &origin, name)?;
            out.push(CaSource {
                pem: pem.into_bytes(),
            });
        }
    }
    if let Some((name, value)) = first(env, &["cafile", "HTTPS_CAFILE", "https_cafile"]) {
        for part in value.split(',') {
            let part = part.trim();
            if !part.is_empty() {
                out.push(read_ca_file(name, part, cwd)?);
            }
        }
    }
    if let Some(path) = env.non_empty("AWS_CA_BUNDLE") {
        out.push(read_ca_file("AWS_CA_BUNDLE", path, cwd)?);
    }
    if let Some(path) = profile_ca_bundle.filter(|p| !p.is_empty()) {
        out.push(read_ca_file("ca_bundle (AWS profile)", path, cwd)?);
    }
    Ok(out)
}

fn read_ca_file(var_name: &str, path: &str, cwd: &Path) -> Result<CaSource, AwsError> {
    let full: PathBuf = if Path::new(path).is_absolute() {
        PathBuf::from(path)
    } else {
        cwd.join(path)
    };
    let pem = std::fs::read(&full).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "does not exist".to_string(),
            std::io::ErrorKind::PermissionDenied => {
                "cannot be read (permission denied)".to_string()
            }
            _ if full.is_dir() => "is a directory, not a PEM file".to_string(),
            _ => format!("cannot be read: {e}"),
        };
        AwsError::settings(format!(
            "The CA bundle file {} (from {var_name}) {why}.",
            full.display()
        ))
        .with_hint(format!(
            "Fix or unset {var_name}; it must name a PEM file with one or more CA certificates."
        ))
    })?;
    let origin = format!("{} (from {var_name})", full.display());
    validate_pem(&pem, &origin, var_name)?;
    Ok(CaSource { pem })
}

/// Checks a PEM bundle exactly the way the TLS connector will load it later
/// (where a failure would panic, crates.md): every certificate block must
/// decode and parse, and there must be at least one.
pub(crate) fn validate_pem(pem: &[u8], origin: &str, var_name: &str) -> Result<usize, AwsError> {
    let bad = |why: String| {
        AwsError::settings(format!("The CA certificate in {origin} is not valid: {why}."))
            .with_hint(format!(
                "{var_name} must hold PEM certificates (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)."
            ))
    };
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("malformed PEM ({e})")))?;
    if certs.is_empty() {
        return Err(bad("it contains no certificate".into()));
    }
    let mut roots = rustls::RootCertStore::empty();
    for cert in certs.iter() {
        roots
            .add(cert.clone())
            .map_err(|e| bad(format!("a certificate cannot be parsed ({e})")))?;
    }
    Ok(certs.len())
}

/// The proxy: `proxy`, `HTTPS_PROXY`, `https_proxy`, `HTTP_PROXY`, `http_proxy`
/// (the first set; v3 used one proxy for every AWS request), with
/// `NO_PROXY`/`no_proxy` bypass rules.
pub(crate) fn proxy_config(env: &Env) -> Result<Option<(String, ProxyConfig)>, AwsError> {
    let Some((name, url)) = first(
        env,
        &[
            "proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "HTTP_PROXY",
            "http_proxy",
        ],
    ) else {
        return Ok(None);
    };
    let url_with_scheme = if url.contains("://") {
        url.to_string()
    } else {
        format!("http://{url}")
    };
    let mut config = ProxyConfig::all(url_with_scheme.as_str()).map_err(|e| {
        AwsError::settings(format!("The proxy URL in {name} is not valid: {e}.")).with_hint(
            format!("Set {name} to a URL such as http://proxy.example.com:3128, or unset it."),
        )
    })?;
    if let Some((_, rules)) = first(env, &["NO_PROXY", "no_proxy"]) {
        config = config.no_proxy(rules);
    }
    Ok(Some((redact_userinfo(&url_with_scheme), config)))
}

/// `http://user:pass@host:port` → `http://***@host:port` (for messages).
pub(crate) fn redact_userinfo(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((_, host)) if !rest.split('/').next().unwrap_or("").is_empty() => {
                format!("{scheme}://***@{host}")
            }
            _ => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// Builds the one HTTP client every SDK client of a command shares: rustls
/// (ring) with the system roots plus the extra CAs, and the proxy if any.
pub(crate) fn http_client(
    cas: &[CaSource],
    proxy: Option<ProxyConfig>,
) -> Result<SharedHttpClient, AwsError> {
    let mut store = TrustStore::default();
    for ca in cas {
        store.add_pem_certificate(ca.pem.clone());
    }
    let context = TlsContext::builder()
        .with_trust_store(store)
        .build()
        .map_err(|e| AwsError::settings(format!("Could not set up TLS: {e}")))?;
    // `build_with_connector_fn` is #[doc(hidden)] (crates.md): the version is
    // pinned in Cargo.toml and the proxy test covers it.
    let client = Builder::new().build_with_connector_fn(move |settings, components| {
        let mut b = Connector::builder();
        b.set_connector_settings(settings.cloned());
        if let Some(rc) = components {
            b.set_sleep_impl(rc.sleep_impl());
        }
        b.set_proxy_config(Some(proxy.clone().unwrap_or_else(ProxyConfig::disabled)));
        b.tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
            .tls_context(context.clone())
            .build()
    });
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn endpoints() {
        let e = env(&[
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"),
            ("AWS_ENDPOINT_URL_S3", "https://s3.example.com"),
        ]);
        assert_eq!(
            endpoint_for(&e, "S3").as_deref(),
            Some("https://s3.example.com")
        );
        assert_eq!(
            endpoint_for(&e, "STS").as_deref(),
            Some("http://127.0.0.1:5000")
        );
        assert!(!uses_local_endpoint(&e, "S3"));
        assert!(uses_local_endpoint(&e, "CLOUDFORMATION"));
        let e = env(&[("AWS_ENDPOINT_URL", "http://localhost:4566/")]);
        assert!(uses_local_endpoint(&e, "S3"));
        let e = env(&[("AWS_ENDPOINT_URL", "http://[::1]:4566")]);
        assert!(uses_local_endpoint(&e, "S3"));
        let e = env(&[
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
        ]);
        assert_eq!(endpoint_for(&e, "S3"), None);
        assert_eq!(endpoint_for(&env(&[("AWS_ENDPOINT_URL", "")]), "S3"), None);
    }

    #[test]
    fn missing_and_malformed_ca_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let e = env(&[("cafile", "nope.pem")]);
        let err = extra_cas(&e, dir.path(), None).unwrap_err();
        assert!(
            err.what().contains("nope.pem") && err.what().contains("cafile"),
            "{err}"
        );
        assert!(err.what().contains("does not exist"), "{err}");

        std::fs::write(
            dir.path().join("bad.pem"),
            "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let e = env(&[("AWS_CA_BUNDLE", "bad.pem")]);
        let err = extra_cas(&e, dir.path(), None).unwrap_err();
        assert!(
            err.what().contains("bad.pem") && err.what().contains("AWS_CA_BUNDLE"),
            "{err}"
        );

        std::fs::write(dir.path().join("empty.pem"), "hello").unwrap();
        let err = extra_cas(&env(&[]), dir.path(), Some("empty.pem")).unwrap_err();
        assert!(
            err.what().contains("no certificate") && err.what().contains("ca_bundle"),
            "{err}"
        );

        let e = env(&[(
            "ca",
            "-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----",
        )]);
        let err = extra_cas(&e, dir.path(), None).unwrap_err();
        assert!(
            err.what().contains("environment variable ca") || err.what().contains(" ca "),
            "{err}"
        );
    }

    #[test]
    fn proxy_choice_and_redaction() {
        assert!(proxy_config(&env(&[])).unwrap().is_none());
        let (shown, _) = proxy_config(&env(&[
            ("HTTPS_PROXY", "http://u:p@127.0.0.1:3128"),
            ("HTTP_PROXY", "http://other:1"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(shown, "http://***@127.0.0.1:3128");
        let (shown, _) = proxy_config(&env(&[("proxy", "127.0.0.1:3128")]))
            .unwrap()
            .unwrap();
        assert_eq!(shown, "http://127.0.0.1:3128");
    }
}
