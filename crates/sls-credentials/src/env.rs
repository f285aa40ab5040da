//! The environment snapshot: the CLI reads the process environment once and
//! every library receives this map. One type for the whole workspace
//! (re-exported by `sls-config` and `sls-aws`), and one place for the rule
//! of what counts as *set*.

use std::collections::BTreeMap;

/// Environment variables by name, as the CLI found them.
pub type Env = BTreeMap<String, String>;

/// How sls reads an [`Env`]. A plain `get` is the raw value (what
/// `${env:NAME}` sees in serverless.yml, where `""` and `undefined` are values).
pub trait EnvExt {
    /// The value of a variable that is set, with v3's rule (compat.md §1):
    /// an empty string and the literal `undefined` count as unset; no
    /// trimming. Used for everything the credential chain reads.
    fn value(&self, name: &str) -> Option<&str>;

    /// The value of a variable that is not empty (`undefined` is a value).
    /// The rule of the AWS SDK settings v3 handed on as they were (endpoints,
    /// proxies, CA bundles, retries, the session cache switch).
    fn non_empty(&self, name: &str) -> Option<&str>;
}

impl EnvExt for Env {
    fn value(&self, name: &str) -> Option<&str> {
        self.non_empty(name).filter(|v| *v != "undefined")
    }

    fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_means_not_empty_and_not_undefined() {
        let env: Env = [("A", ""), ("B", "undefined"), ("C", " x "), ("D", "0")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(env.value("A"), None);
        assert_eq!(env.value("B"), None);
        assert_eq!(env.value("C"), Some(" x "));
        assert_eq!(env.value("D"), Some("0"));
        assert_eq!(env.value("E"), None);
        assert_eq!(env.non_empty("A"), None);
        assert_eq!(env.non_empty("B"), Some("undefined"));
    }
}
