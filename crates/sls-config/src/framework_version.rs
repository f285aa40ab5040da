//! `frameworkVersion`: v3 refuses to run a service whose range excludes its own version.
//! sls answers to [`FRAMEWORK_VERSION`] (the v3 release its behaviour is recorded from).
//! Ranges are read as node-semver reads them: `||` alternatives, space-separated
//! comparators, `^`/`~`, `x`/`*` wildcards, partial versions and `a - b` hyphen ranges.

use serde_json::Value;

use crate::error::ConfigError;

/// The Serverless Framework version sls answers to in `frameworkVersion` checks.
pub const FRAMEWORK_VERSION: &str = "3.40.0";

type V = (u64, u64, u64);

/// v3's `Service.loadServiceFileParam` check. `Ok(Some(warning))` for a range that is not
/// valid semver (v3 then skips the check, or fails with `configValidationMode: error`).
pub(crate) fn check(config: &Value, file_name: &str) -> Result<Option<String>, ConfigError> {
    let Some(range) = config
        .get("frameworkVersion")
        .filter(|v| crate::jsval::is_truthy(v))
    else {
        return Ok(None);
    };
    let range = crate::jsval::coerce_string(range).unwrap_or_else(|| "[object Object]".into());
    let Some(sets) = parse_range(&range) else {
        if config.get("configValidationMode").and_then(Value::as_str) == Some("error") {
            return Err(ConfigError::Invalid {
                message: "Configured \"frameworkVersion\" does not represent a valid semver version range.".into(),
            });
        }
        return Ok(Some(
            "Configured \"frameworkVersion\" does not represent a valid semver version range, version validation is skipped".into(),
        ));
    };
    let me = (3, 40, 0);
    if range != FRAMEWORK_VERSION && !sets.iter().any(|set| set.iter().all(|c| c.test(me))) {
        return Err(ConfigError::Invalid {
            message: format!(
                "The Serverless version ({FRAMEWORK_VERSION}) does not satisfy the \"frameworkVersion\" ({range}) in {file_name}"
            ),
        });
    }
    Ok(None)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
}

#[derive(Debug, Clone, Copy)]
struct Comparator {
    op: Op,
    v: V,
}

impl Comparator {
    fn test(&self, x: V) -> bool {
        match self.op {
            Op::Lt => x < self.v,
            Op::Le => x <= self.v,
            Op::Gt => x > self.v,
            Op::Ge => x >= self.v,
            Op::Eq => x == self.v,
        }
    }
}

/// A partial version: major, minor, patch, each `None` when missing or a wildcard.
/// Prerelease and build parts are accepted and ignored (sls's version has none).
fn parse_partial(s: &str) -> Option<[Option<u64>; 3]> {
    let s = s.trim_start_matches(['v', '=']).trim();
    let core = s.split(['-', '+']).next()?;
    if core.is_empty() {
        return None;
    }
    let mut out = [None; 3];
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() > 3 {
        return None;
    }
    let mut wild = false;
    for (i, p) in parts.iter().enumerate() {
        if matches!(*p, "x" | "X" | "*") {
            wild = true;
            continue;
        }
        if wild || p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        out[i] = Some(p.parse().ok()?);
    }
    Some(out)
}

fn comparators(op: &str, p: [Option<u64>; 3]) -> Vec<Comparator> {
    let c = |op, v| Comparator { op, v };
    let [ma, mi, pa] = p;
    let lo = (ma.unwrap_or(0), mi.unwrap_or(0), pa.unwrap_or(0));
    let Some(ma) = ma else {
        // `*`, `>=*`: anything; `<*`, `>*`: nothing.
        return match op {
            "<" | ">" => vec![c(Op::Lt, (0, 0, 0))],
            _ => vec![],
        };
    };
    // The exclusive upper end of a partial version (`1.2` → `1.3.0`).
    let hi = match (mi, pa) {
        (None, _) => (ma + 1, 0, 0),
        (Some(mi), None) => (ma, mi + 1, 0),
        (Some(mi), Some(pa)) => (ma, mi, pa),
    };
    let partial = mi.is_none() || pa.is_none();
    match op {
        "^" => {
            let upper = match (ma, mi, pa) {
                (0, Some(0), Some(pa)) => (0, 0, pa + 1),
                (0, Some(mi), _) => (0, mi + 1, 0),
                _ => (ma + 1, 0, 0),
            };
            vec![c(Op::Ge, lo), c(Op::Lt, upper)]
        }
        "~" => {
            let upper = match mi {
                None => (ma + 1, 0, 0),
                Some(mi) => (ma, mi + 1, 0),
            };
            vec![c(Op::Ge, lo), c(Op::Lt, upper)]
        }
        ">" if partial => vec![c(Op::Ge, hi)],
        ">" => vec![c(Op::Gt, lo)],
        ">=" => vec![c(Op::Ge, lo)],
        "<" => vec![c(Op::Lt, lo)],
        "<=" if partial => vec![c(Op::Lt, hi)],
        "<=" => vec![c(Op::Le, lo)],
        _ if partial => vec![c(Op::Ge, lo), c(Op::Lt, hi)],
        _ => vec![c(Op::Eq, lo)],
    }
}

/// node-semver `validRange` + the comparator sets; `None` when invalid.
fn parse_range(range: &str) -> Option<Vec<Vec<Comparator>>> {
    let mut sets = Vec::new();
    for alt in range.split("||") {
        let alt = alt.trim();
        let mut set = Vec::new();
        if let Some((a, b)) = alt.split_once(" - ") {
            let a = parse_partial(a.trim())?;
            let b = parse_partial(b.trim())?;
            set.extend(comparators(">=", a));
            set.extend(comparators("<=", b));
            sets.push(set);
            continue;
        }
        // `>= 1.2` is allowed: join an operator with the version after it.
        let mut words: Vec<String> = Vec::new();
        for w in alt.split_whitespace() {
            match words.last_mut() {
                Some(last)
                    if matches!(
                        last.as_str(),
                        "<" | "<=" | ">" | ">=" | "=" | "~" | "^" | "~>"
                    ) =>
                {
                    last.push_str(w)
                }
                _ => words.push(w.to_string()),
            }
        }
        for w in &words {
            let (op, rest) = ["<=", ">=", "~>", "<", ">", "=", "~", "^"]
                .iter()
                .find_map(|op| w.strip_prefix(op).map(|r| (*op, r)))
                .unwrap_or(("", w.as_str()));
            let op = if op == "~>" { "~" } else { op };
            set.extend(comparators(op, parse_partial(rest)?));
        }
        sets.push(set);
    }
    Some(sets)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(r: &str) -> bool {
        parse_range(r)
            .unwrap()
            .iter()
            .any(|s| s.iter().all(|c| c.test((3, 40, 0))))
    }

    #[test]
    fn ranges_like_node_semver() {
        for r in [
            "3", "^3", "3.x", ">=2.0.0", ">=1 <4", "^2 || ^3", "~3.40", "*", "3.40.0", ">= 3.0.0",
            "2 - 3",
        ] {
            assert!(ok(r), "{r}");
        }
        for r in [
            "2", "^2.1.0", "<3", ">=4", "~3.39", "1.x", "3.41.0", "^3.41",
        ] {
            assert!(!ok(r), "{r}");
        }
        assert!(parse_range("three").is_none());
    }
}
