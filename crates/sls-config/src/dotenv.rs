//! `useDotenv: true`: v3 loads `.env.<stage>` from the working directory, or `.env` when
//! there is no stage file, before it resolves variables. Variables already set are never
//! overridden. Values are parsed like the `dotenv` package (v16) and expanded like
//! `dotenv-expand` (v10: `$NAME`, `${NAME}`, `${NAME:-default}`, `\$` for a literal `$`).

use std::path::Path;

use serde_json::Value;

use crate::error::ConfigError;
use crate::{Context, Env, ServiceFile};

/// Whether the service asks for `.env` loading (`useDotenv` truthy, as v3 tests it).
pub fn wants_dotenv(file: &ServiceFile) -> Result<bool, ConfigError> {
    match file.raw.get("useDotenv") {
        Some(Value::String(s)) if s.contains("${") => Err(ConfigError::Invalid {
            message: "\"useDotenv\" is set with a variable, which sls does not resolve: write \"useDotenv: true\" (or remove it).".into(),
        }),
        Some(v) => Ok(crate::jsval::is_truthy(v)),
        None => Ok(false),
    }
}

/// The stage whose `.env.<stage>` v3 loads: `--stage`, else `provider.stage`, else `dev`.
/// Like v3, only `provider.stage` (with what it refers to under `custom`) is resolved here:
/// other properties may need the variables the `.env` file is about to provide.
pub fn dotenv_stage(file: &ServiceFile, ctx: &Context) -> Result<String, ConfigError> {
    if let Some(stage) = ctx.options.stage.as_ref().filter(|s| !s.is_empty()) {
        return Ok(stage.clone());
    }
    let stage = file.raw.get("provider").and_then(|p| p.get("stage"));
    match stage {
        None | Some(Value::Null) => return Ok("dev".into()),
        Some(Value::String(s)) if !s.contains("${") => return Ok(s.clone()),
        _ => {}
    }
    // Resolve a copy holding only what `provider.stage` may refer to.
    let mut reduced = serde_json::Map::new();
    for key in ["service", "custom", "params"] {
        if let Some(v) = file.raw.get(key) {
            reduced.insert(key.into(), v.clone());
        }
    }
    let mut provider = serde_json::Map::new();
    for key in ["name", "stage"] {
        if let Some(v) = file.raw.get("provider").and_then(|p| p.get(key)) {
            provider.insert(key.into(), v.clone());
        }
    }
    reduced.insert("provider".into(), Value::Object(provider));
    let mut copy = file.clone();
    copy.raw = Value::Object(reduced);
    match crate::resolve_phase1(&copy, ctx) {
        Ok(p1) => Ok(p1.stage),
        // `custom` may hold variables that only `.env` answers; try `provider.stage` alone.
        Err(first) => {
            if let Some(Value::Object(m)) = Some(&mut copy.raw) {
                m.remove("custom");
            }
            crate::resolve_phase1(&copy, ctx)
                .map(|p| p.stage)
                .map_err(|_| first)
        }
    }
}

/// `env` plus the variables of `<cwd>/.env.<stage>` (or `<cwd>/.env`), v3's way.
pub fn load_dotenv(cwd: &Path, stage: &str, env: &Env) -> Result<Env, ConfigError> {
    let stage_file = cwd.join(format!(".env.{stage}"));
    let default_file = cwd.join(".env");
    for path in [stage_file, default_file] {
        match std::fs::read(&path) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                return Ok(expand(parse(&text), env));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(ConfigError::Invalid {
                    message: format!(
                        "Failed to load environment variables from \"{}\": Error: {e}",
                        path.display()
                    ),
                })
            }
        }
    }
    Ok(env.clone())
}

/// `dotenv.parse`: `KEY=value` lines (`export ` allowed, `KEY: value` too), quotes removed,
/// `\n`/`\r` expanded in double quotes, `#` comments; a later key wins.
fn parse(src: &str) -> Vec<(String, String)> {
    static LINE: std::sync::OnceLock<regex_lite::Regex> = std::sync::OnceLock::new();
    let line = LINE.get_or_init(|| {
        regex_lite::Regex::new(
            r#"(?m)^\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?$"#,
        )
        .expect("valid regex")
    });
    let src = src.replace("\r\n", "\n").replace('\r', "\n");
    let mut out: Vec<(String, String)> = Vec::new();
    for cap in line.captures_iter(&src) {
        let key = cap[1].to_string();
        let raw = cap.get(2).map_or("", |m| m.as_str()).trim();
        let quote = raw.chars().next();
        let mut value = match quote {
            Some(q @ ('\'' | '"' | '`')) if raw.len() >= 2 && raw.ends_with(q) => {
                raw[1..raw.len() - 1].to_string()
            }
            _ => raw.to_string(),
        };
        if quote == Some('"') {
            value = value.replace("\\n", "\n").replace("\\r", "\r");
        }
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = value,
            None => out.push((key, value)),
        }
    }
    out
}

/// `dotenv.config` (no override) followed by `dotenv-expand`.
fn expand(parsed: Vec<(String, String)>, env: &Env) -> Env {
    let mut environment = env.clone();
    for (k, v) in &parsed {
        environment.entry(k.clone()).or_insert_with(|| v.clone());
    }
    let mut results: Vec<(String, String)> = parsed.clone();
    for i in 0..results.len() {
        let key = results[i].0.clone();
        let value = environment.get(&key).cloned().unwrap_or_default();
        let expanded = interpolate(&value, &environment, &results, 0).replace("\\$", "$");
        results[i].1 = expanded;
    }
    for (k, v) in results {
        environment.insert(k, v);
    }
    environment
}

/// Expands the right-most unescaped `$NAME`/`${NAME}`/`${NAME:-default}`, then again, until
/// none is left (dotenv-expand's recursion).
fn interpolate(value: &str, env: &Env, parsed: &[(String, String)], depth: usize) -> String {
    if depth > 100 {
        return value.to_string();
    }
    let bytes = value.as_bytes();
    let Some(last) = (0..bytes.len())
        .rev()
        .find(|&i| bytes[i] == b'$' && (i == 0 || bytes[i - 1] != b'\\'))
    else {
        return value.to_string();
    };
    let group = &value[last..];
    let rest = &group[1..];
    let braced = rest.starts_with('{');
    let body = if braced { &rest[1..] } else { rest };
    let name_len = body
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    if name_len == 0 {
        return value.to_string();
    }
    let name = &body[..name_len];
    let mut len = 1 + usize::from(braced) + name_len;
    let mut default = "";
    if let Some(after) = body[name_len..].strip_prefix(":-") {
        let d = after.find(['}', '\\']).unwrap_or(after.len());
        default = &after[..d];
        len += 2 + d;
    }
    if value[last + len..].starts_with('}') {
        len += 1;
    }
    let whole = &value[last..last + len];
    let replacement = env
        .get(name)
        .filter(|v| !v.is_empty())
        .map(String::as_str)
        .or(Some(default).filter(|d| !d.is_empty()))
        .or_else(|| {
            parsed
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        })
        .unwrap_or("");
    // `String.replace` with a string pattern: the first occurrence.
    let next = value.replacen(whole, replacement, 1);
    interpolate(&next, env, parsed, depth + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_dotenv() {
        let p = parse("# c\nA=1\nexport B = two words # note\nC=\"x\\ny\"\nD='$A'\nE=\nF: g\n");
        let get = |k: &str| p.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("A"), Some("1"));
        assert_eq!(get("B"), Some("two words"));
        assert_eq!(get("C"), Some("x\ny"));
        assert_eq!(get("D"), Some("$A"));
        assert_eq!(get("E"), Some(""));
        assert_eq!(get("F"), Some("g"));
    }

    #[test]
    fn expands_without_overriding() {
        let mut env = Env::new();
        env.insert("HOMEDIR".into(), "/home/u".into());
        env.insert("KEEP".into(), "mine".into());
        let parsed = parse("KEEP=theirs\nDIR=${HOMEDIR}/x\nB=$DIR/y\nC=${NOPE:-dflt}\nD=\\$HOME\n");
        let out = expand(parsed, &env);
        assert_eq!(out["KEEP"], "mine");
        assert_eq!(out["DIR"], "/home/u/x");
        assert_eq!(out["B"], "/home/u/x/y");
        assert_eq!(out["C"], "dflt");
        assert_eq!(out["D"], "$HOME");
    }
}
