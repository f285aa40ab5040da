//! `custom.pythonRequirements`: every option of the plugin (v6.1) read with the plugin's
//! defaults and truthiness, honoured or refused by name.

use serde_json::{Map, Value};

use crate::error::{DeployError, Result};
pub(crate) use sls_config::is_truthy as truthy;

#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub file_name: String,
    pub extra_args: Vec<String>,
    pub no_deploy: Vec<String>,
    pub python_bin: Option<String>,
    pub cache_location: Option<String>,
    pub invalidate: bool,
    pub use_pipenv: bool,
    pub use_poetry: bool,
    pub use_download_cache: bool,
    pub use_static_cache: bool,
    pub slim: bool,
    pub strip: bool,
    pub slim_patterns: Vec<String>,
    pub slim_append_defaults: bool,
    pub zip: bool,
    /// `layer: true` is an empty object, as in the plugin.
    pub layer: Option<Map<String, Value>>,
    /// `dockerizePip` (`non-linux` is false on Linux, as in the plugin).
    pub dockerize: bool,
    /// `dockerEnv`: passed to pip's environment instead of the container's.
    pub docker_env: Vec<(String, String)>,
    pub vendor: Option<String>,
    pub require_poetry_lock: bool,
    pub poetry_with: Vec<String>,
    pub poetry_without: Vec<String>,
    pub poetry_only: Vec<String>,
}

pub(crate) fn opt_path(key: &str) -> String {
    format!("custom.pythonRequirements.{key}")
}

fn string_list(v: &Value, key: &str) -> Result<Vec<String>> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) => Ok(n.to_string()),
                _ => Err(DeployError::config(
                    opt_path(key),
                    "expected a list of strings",
                )),
            })
            .collect(),
        _ => Err(DeployError::config(
            opt_path(key),
            "expected a list of strings",
        )),
    }
}

pub(crate) fn refuse(key: &str, why: &str) -> DeployError {
    DeployError::config(
        opt_path(key),
        format!(
            "{why}; sls's built-in serverless-python-requirements does not support it: remove it, or package this service with the Serverless Framework"
        ),
    )
}

/// The keys of `layer:` (object form) that v3 compiles for a layer.
const LAYER_KEYS: &[&str] = &[
    "name",
    "description",
    "compatibleRuntimes",
    "compatibleArchitectures",
    "licenseInfo",
    "allowedAccounts",
    "retain",
];

pub(crate) fn options(config: &Value) -> Result<Options> {
    let mut o = Options {
        file_name: "requirements.txt".into(),
        extra_args: Vec::new(),
        no_deploy: Vec::new(),
        python_bin: None,
        cache_location: None,
        invalidate: false,
        use_pipenv: true,
        use_poetry: true,
        use_download_cache: true,
        use_static_cache: true,
        slim: false,
        strip: true,
        slim_patterns: Vec::new(),
        slim_append_defaults: true,
        zip: false,
        layer: None,
        dockerize: false,
        docker_env: Vec::new(),
        vendor: None,
        require_poetry_lock: false,
        poetry_with: Vec::new(),
        poetry_without: Vec::new(),
        poetry_only: Vec::new(),
    };
    let custom = config
        .get("custom")
        .and_then(|c| c.get("pythonRequirements"));
    let map = match custom {
        None | Some(Value::Null) => return Ok(o),
        Some(Value::Object(m)) => m,
        Some(_) => {
            return Err(DeployError::config(
                "custom.pythonRequirements",
                "expected an object",
            ))
        }
    };
    // Docker options that have no meaning without a container; refused only when
    // dockerizePip is on (the plugin ignores them, with a warning, when it is off).
    let mut docker_refused: Vec<(&str, &str)> = Vec::new();
    let false_like = |v: &Value| matches!(v, Value::Bool(false)) || v.as_str() == Some("false");
    for (key, v) in map {
        match key.as_str() {
            "fileName" => match v {
                Value::String(s) if !s.is_empty() => o.file_name = s.clone(),
                _ => return Err(DeployError::config(opt_path(key), "expected a file name")),
            },
            "pipCmdExtraArgs" => {
                // The plugin passes each entry split on whitespace runs, its first two words only
                // (`cmd.split(/\s+/, 2)`); a third would be dropped, so it is refused.
                for entry in string_list(v, key)? {
                    let words: Vec<&str> = entry.split_whitespace().collect();
                    if words.len() > 2 {
                        return Err(DeployError::config(
                            opt_path(key),
                            format!("\"{entry}\" has more than two words, and serverless-python-requirements passes only the first two to pip: give each argument its own entry"),
                        ));
                    }
                    o.extra_args.extend(words.into_iter().map(str::to_string));
                }
            }
            "noDeploy" => o.no_deploy = string_list(v, key)?,
            "pythonBin" => match v {
                Value::String(s) if !s.is_empty() => o.python_bin = Some(s.clone()),
                _ => {
                    return Err(DeployError::config(
                        opt_path(key),
                        "expected a program name",
                    ))
                }
            },
            "cacheLocation" => {
                if truthy(v) {
                    match v {
                        Value::String(s) => o.cache_location = Some(s.clone()),
                        _ => return Err(DeployError::config(opt_path(key), "expected a folder")),
                    }
                }
            }
            "invalidateCaches" => o.invalidate = truthy(v),
            "usePipenv" => o.use_pipenv = truthy(v),
            "usePoetry" => o.use_poetry = truthy(v),
            "useDownloadCache" => o.use_download_cache = truthy(v),
            "useStaticCache" => o.use_static_cache = truthy(v),
            // The plugin compares with `true`/'true' for slim, and `false`/'false' for the rest.
            "slim" => o.slim = matches!(v, Value::Bool(true)) || v.as_str() == Some("true"),
            "strip" => o.strip = !false_like(v),
            "slimPatterns" => {
                if truthy(v) {
                    o.slim_patterns = string_list(v, key)?;
                }
            }
            "slimPatternsAppendDefaults" => o.slim_append_defaults = !false_like(v),
            "zip" => o.zip = truthy(v),
            "layer" => match v {
                Value::Object(m) => {
                    if let Some(k) = m.keys().find(|k| !LAYER_KEYS.contains(&k.as_str())) {
                        return Err(refuse(
                            &format!("layer.{k}"),
                            &format!("\"{k}\" is not a layer setting v3 compiles"),
                        ));
                    }
                    o.layer = Some(m.clone());
                }
                v if truthy(v) => o.layer = Some(Map::new()),
                _ => {}
            },
            "dockerizePip" => {
                o.dockerize = match v {
                    Value::String(s) if s == "non-linux" => !cfg!(target_os = "linux"),
                    v => truthy(v),
                }
            }
            "dockerEnv" => {
                if truthy(v) {
                    for item in string_list(v, key)? {
                        // `docker run -e NAME=value` (a bare NAME passes the host's value, which
                        // pip inherits anyway).
                        if let Some((k, val)) = item.split_once('=') {
                            o.docker_env.push((k.to_string(), val.to_string()));
                        }
                    }
                }
            }
            // Ownership of the files written in the container, and the host's SSH agent and
            // keys mounted into it: pip on the host has both already.
            "dockerRootless" | "dockerSsh" => {}
            "dockerImage" | "dockerFile" | "dockerPrivateKey" => {
                if truthy(v) {
                    docker_refused.push((key, "a Docker image or key for the build container"));
                }
            }
            "dockerBuildCmdExtraArgs" | "dockerRunCmdExtraArgs" | "dockerExtraFiles" => {
                let empty = matches!(v, Value::Array(a) if a.is_empty());
                if truthy(v) && !empty {
                    docker_refused.push((key, "arguments or files of the build container"));
                }
            }
            "vendor" => {
                if truthy(v) {
                    match v {
                        Value::String(s) => o.vendor = Some(s.clone()),
                        _ => return Err(DeployError::config(opt_path(key), "expected a folder")),
                    }
                }
            }
            "requirePoetryLockFile" => o.require_poetry_lock = truthy(v),
            "poetryWithGroups" => o.poetry_with = string_list(v, key)?,
            "poetryWithoutGroups" => o.poetry_without = string_list(v, key)?,
            "poetryOnlyGroups" => o.poetry_only = string_list(v, key)?,
            // Neither changes what is deployed: the first prunes the local cache (sls keeps
            // every entry), the second removes the zip helper from the service folder (sls
            // never writes it there).
            "staticCacheMaxVersions" | "cleanupZipHelper" => {}
            other => {
                return Err(refuse(
                    other,
                    &format!("\"{other}\" is not an option of serverless-python-requirements 6.1"),
                ))
            }
        }
    }
    if o.dockerize {
        if let Some((key, what)) = docker_refused.first() {
            return Err(refuse(
                key,
                &format!("sls has no Docker: with dockerizePip it installs manylinux wheels with the local pip, so {what} cannot be used"),
            ));
        }
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn opts(v: Value) -> Result<Options> {
        options(&json!({"custom": {"pythonRequirements": v}}))
    }

    #[test]
    fn defaults_and_truthiness() {
        let o = opts(json!({})).unwrap();
        assert!(o.use_pipenv && o.use_poetry && o.use_static_cache && o.strip);
        assert!(!o.zip && o.layer.is_none() && !o.dockerize);
        assert_eq!(
            opts(json!({"layer": true})).unwrap().layer,
            Some(Map::new())
        );
        assert!(opts(json!({"layer": false})).unwrap().layer.is_none());
        assert!(opts(json!({"zip": "true"})).unwrap().zip);
        assert_eq!(
            opts(json!({"dockerizePip": "non-linux"}))
                .unwrap()
                .dockerize,
            !cfg!(target_os = "linux")
        );
    }

    #[test]
    fn docker_options_refused_only_with_dockerize() {
        opts(json!({"dockerImage": "x"})).unwrap();
        let e = opts(json!({"dockerizePip": true, "dockerImage": "x"}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("custom.pythonRequirements.dockerImage"), "{e}");
        let e = opts(json!({"dockerizePip": true, "dockerExtraFiles": ["/x.so"]}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("dockerExtraFiles"), "{e}");
        let o = opts(json!({"dockerizePip": true, "dockerSsh": true, "dockerRootless": true, "dockerEnv": ["PIP_X=1"], "dockerRunCmdExtraArgs": []})).unwrap();
        assert_eq!(o.docker_env, vec![("PIP_X".to_string(), "1".to_string())]);
    }

    #[test]
    fn pip_extra_args_split_like_the_plugin() {
        let o = opts(json!({"pipCmdExtraArgs": ["-i  https://x/simple", "--pre", " --no-deps "]}))
            .unwrap();
        assert_eq!(
            o.extra_args,
            ["-i", "https://x/simple", "--pre", "--no-deps"]
        );
        let e = opts(json!({"pipCmdExtraArgs": ["--find-links a b"]}))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("custom.pythonRequirements.pipCmdExtraArgs"),
            "{e}"
        );
    }

    #[test]
    fn unknown_options_refused_by_name() {
        let e = opts(json!({"bogus": 1})).unwrap_err().to_string();
        assert!(e.contains("custom.pythonRequirements.bogus"), "{e}");
        let e = opts(json!({"layer": {"path": "x"}}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("custom.pythonRequirements.layer.path"), "{e}");
    }
}
