//! Node dev dependencies to leave out of zips, as v3's `excludeNodeDevDependencies` does.
//!
//! v3 runs `npm ls --dev` and `npm ls --prod` in every folder with a `package.json` (outside
//! `node_modules`) and excludes `<module>/**` (plus its `.bin` links) for every module in the dev
//! tree that is not in the prod tree. Spawning npm costs seconds, so this reads the same facts
//! from disk: starting at each such `package.json`, it follows `dependencies`,
//! `optionalDependencies` and `peerDependencies` (prod) or `devDependencies` and then their
//! dependencies (dev) through Node's resolution (`node_modules` of the folder, then of each
//! parent up to the service folder). Modules that are not installed are skipped, as npm ls does.

use std::collections::{BTreeSet, VecDeque};
use std::path::Path;

use serde_json::Value;

/// Globs (relative to the service folder, `/`-separated) excluding dev-only modules.
/// `package_dirs` are the folders (relative, "" for the root) that hold a `package.json`.
pub fn dev_dependency_excludes(service_dir: &Path, package_dirs: &[String]) -> Vec<String> {
    let mut dev = BTreeSet::new();
    let mut prod = BTreeSet::new();
    for dir in package_dirs {
        let Some(pkg) = read_package(&service_dir.join(dir).join("package.json")) else {
            continue;
        };
        let prod_roots = dep_names(
            &pkg,
            &["dependencies", "optionalDependencies", "peerDependencies"],
        );
        let dev_roots = dep_names(&pkg, &["devDependencies"]);
        closure(service_dir, dir, &prod_roots, &mut prod);
        closure(service_dir, dir, &dev_roots, &mut dev);
    }
    let mut globs = Vec::new();
    for module in dev.difference(&prod) {
        globs.push(format!("{module}/**"));
        // `.bin` links of the module live in the node_modules folder that holds it.
        let Some(pkg) = read_package(&service_dir.join(module).join("package.json")) else {
            continue;
        };
        let (parent, name) = match module.rfind("/node_modules/") {
            Some(i) => (
                &module[..i + "/node_modules/".len()],
                &module[i + "/node_modules/".len()..],
            ),
            None => match module.strip_prefix("node_modules/") {
                Some(n) => ("node_modules/", n),
                None => continue,
            },
        };
        let bin_base = name.rsplit('/').next().unwrap_or(name);
        match pkg.get("bin") {
            Some(Value::Object(bins)) => {
                for exe in bins.keys() {
                    globs.push(format!("{parent}.bin/{exe}"));
                }
            }
            Some(Value::String(_)) => globs.push(format!("{parent}.bin/{bin_base}")),
            _ => {}
        }
    }
    globs
}

fn read_package(path: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

fn dep_names(pkg: &Value, fields: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for f in fields {
        if let Some(Value::Object(m)) = pkg.get(*f) {
            out.extend(m.keys().cloned());
        }
    }
    out
}

/// Adds to `seen` the install folder (relative path) of every module reachable from `roots`.
fn closure(service_dir: &Path, from: &str, roots: &[String], seen: &mut BTreeSet<String>) {
    let mut queue: VecDeque<(String, String)> = roots
        .iter()
        .map(|r| (from.to_string(), r.clone()))
        .collect();
    while let Some((dir, name)) = queue.pop_front() {
        let Some(found) = resolve(service_dir, &dir, &name) else {
            continue;
        };
        if !seen.insert(found.clone()) {
            continue;
        }
        if let Some(pkg) = read_package(&service_dir.join(&found).join("package.json")) {
            for dep in dep_names(
                &pkg,
                &["dependencies", "optionalDependencies", "peerDependencies"],
            ) {
                queue.push_back((found.clone(), dep));
            }
        }
    }
}

/// Node resolution: `<dir>/node_modules/<name>`, then the same in each ancestor folder that is
/// not itself a `node_modules` folder, up to the service folder.
fn resolve(service_dir: &Path, dir: &str, name: &str) -> Option<String> {
    let segments: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for len in (0..=segments.len()).rev() {
        if len > 0 && segments[len - 1] == "node_modules" {
            continue;
        }
        let base = segments[..len].join("/");
        let candidate = if base.is_empty() {
            format!("node_modules/{name}")
        } else {
            format!("{base}/node_modules/{name}")
        };
        if service_dir.join(&candidate).join("package.json").is_file() {
            return Some(candidate);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn pkg(dir: &Path, rel: &str, body: &str) {
        let d = dir.join(rel);
        fs::create_dir_all(&d).unwrap();
        fs::write(d.join("package.json"), body).unwrap();
    }

    #[test]
    fn excludes_dev_only_modules_and_their_bins() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        pkg(
            d,
            "",
            r#"{"dependencies":{"a":"1"},"devDependencies":{"jest":"1","b":"1"}}"#,
        );
        pkg(d, "node_modules/a", r#"{"dependencies":{"shared":"1"}}"#);
        pkg(
            d,
            "node_modules/jest",
            r#"{"bin":{"jest":"bin/jest.js"},"dependencies":{"shared":"1","devonly":"1"}}"#,
        );
        pkg(d, "node_modules/b", r#"{"bin":"cli.js"}"#);
        pkg(d, "node_modules/shared", "{}");
        pkg(d, "node_modules/devonly", "{}");
        pkg(d, "node_modules/jest/node_modules/nested", "{}");
        let mut g = dev_dependency_excludes(d, &["".into()]);
        g.sort();
        assert_eq!(
            g,
            vec![
                "node_modules/.bin/b",
                "node_modules/.bin/jest",
                "node_modules/b/**",
                "node_modules/devonly/**",
                "node_modules/jest/**",
            ]
        );
    }

    #[test]
    fn resolves_nested_first_then_parents() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        pkg(d, "node_modules/x", "{}");
        pkg(d, "node_modules/@s/y/node_modules/x", "{}");
        assert_eq!(
            resolve(d, "node_modules/@s/y", "x").unwrap(),
            "node_modules/@s/y/node_modules/x"
        );
        pkg(d, "node_modules/@s/z", "{}");
        assert_eq!(
            resolve(d, "node_modules/@s/z", "x").unwrap(),
            "node_modules/x"
        );
        assert!(resolve(d, "", "missing").is_none());
    }
}
