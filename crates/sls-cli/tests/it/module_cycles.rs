//! No import cycles between the modules of any crate in the workspace.
//!
//! A module's dependencies are the `crate::…` and `super::…` paths in its
//! file (in `use` lines or inline), each mapped to the longest known module
//! it names. Deliberately simple and fast (plain text, no parser):
//! - the crate root (`lib.rs`/`main.rs`) only wires modules together, so
//!   edges to and from it are ignored;
//! - everything from a file's `#[cfg(test)]` on is test code and ignored;
//! - comment lines are skipped.
//!
//! It runs with `cargo test` (so CI runs it) and fails listing each cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

#[test]
fn no_module_cycles_in_any_crate() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut cycles = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&crates)
        .expect("read crates/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("src").is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no crates found in {}", crates.display());
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let graph = module_graph(&dir.join("src"));
        for cycle in find_cycles(&graph) {
            cycles.push(format!("{name}: {}", cycle.join(" -> ")));
        }
    }
    assert!(
        cycles.is_empty(),
        "import cycles between modules:\n  {}",
        cycles.join("\n  ")
    );
}

#[test]
fn the_check_finds_a_cycle() {
    let dir = std::env::temp_dir().join(format!("sls-module-cycles-{}", std::process::id()));
    let src = dir.as_path();
    std::fs::create_dir_all(src.join("b")).unwrap();
    std::fs::write(src.join("lib.rs"), "mod a;\nmod b;\n").unwrap();
    std::fs::write(src.join("a.rs"), "use crate::b::c::X;\n").unwrap();
    std::fs::write(src.join("b/mod.rs"), "pub mod c;\n").unwrap();
    std::fs::write(
        src.join("b/c.rs"),
        "// use crate::zzz;\nuse crate::{a, b};\n#[cfg(test)]\nuse crate::q;\n",
    )
    .unwrap();
    let graph = module_graph(src);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(find_cycles(&graph), vec![vec!["a", "b::c", "a"]]);
}

/// Module → the modules it refers to.
fn module_graph(src: &Path) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut files = Vec::new();
    collect_rs(src, &mut files);
    let modules: BTreeMap<Module, PathBuf> =
        files.into_iter().map(|f| (module_of(src, &f), f)).collect();
    let known: BTreeSet<&Module> = modules.keys().collect();
    let mut graph = BTreeMap::new();
    for (module, file) in &modules {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let mut deps = BTreeSet::new();
        for target in references(module, &text) {
            // The longest prefix that is a module: `crate::a::b::Item` → `a::b`.
            let mut path = target;
            while !path.is_empty() && !known.contains(&path) {
                path.pop();
            }
            if !path.is_empty() && !module.is_empty() && &path != module {
                deps.insert(path);
            }
        }
        graph.insert(module.clone(), deps);
    }
    graph
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `lib.rs`/`main.rs` → root (empty); `a/mod.rs` and `a.rs` → `a`; `a/b.rs` → `a::b`.
fn module_of(src: &Path, file: &Path) -> Module {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Module = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod")) {
        parts.pop();
    }
    if parts.len() == 1 && (parts[0] == "lib" || parts[0] == "main") {
        parts.clear();
    }
    parts
}

/// Every `crate::…` / `super::…` path in the non-test, non-comment code,
/// with `use crate::{a, b::c}` groups expanded (first level).
fn references(module: &Module, text: &str) -> Vec<Module> {
    let mut code = String::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]") {
            break;
        }
        if !trimmed.starts_with("//") {
            code.push_str(line);
            code.push('\n');
        }
    }
    let mut out = Vec::new();
    for (anchor, base) in [("crate::", Vec::new()), ("super::", parent(module))] {
        let mut rest = code.as_str();
        while let Some(i) = rest.find(anchor) {
            let preceded_by_ident = rest[..i]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
            rest = &rest[i + anchor.len()..];
            if preceded_by_ident {
                continue; // e.g. `foo_crate::`
            }
            let mut base = base.clone();
            // `super::super::x`.
            while let Some(r) = rest.strip_prefix("super::") {
                base = parent(&base);
                rest = r;
            }
            if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                for item in group[..end].split(',') {
                    let mut m = base.clone();
                    m.extend(path_idents(item.trim()));
                    out.push(m);
                }
            } else {
                let mut m = base;
                m.extend(path_idents(rest));
                out.push(m);
            }
        }
    }
    out
}

fn parent(module: &Module) -> Module {
    module[..module.len().saturating_sub(1)].to_vec()
}

/// `a::b::C;` → `[a, b, C]`.
fn path_idents(text: &str) -> Vec<String> {
    let mut idents = Vec::new();
    let mut rest = text;
    loop {
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if len == 0 {
            break;
        }
        idents.push(rest[..len].to_string());
        match rest[len..].strip_prefix("::") {
            Some(r) => rest = r,
            None => break,
        }
    }
    idents
}

/// One cycle per strongly connected group of modules (found by DFS), shown
/// as `a -> b -> a`.
fn find_cycles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<String>> {
    let show = |m: &Module| m.join("::");
    let mut cycles = Vec::new();
    let mut in_cycle: BTreeSet<Module> = BTreeSet::new();
    for start in graph.keys() {
        if in_cycle.contains(start) {
            continue;
        }
        // Shortest path from `start` back to itself (BFS), if any.
        let mut prev: BTreeMap<Module, Module> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start.clone()]);
        let mut found = false;
        while let Some(m) = queue.pop_front() {
            for next in graph.get(&m).into_iter().flatten() {
                if next == start {
                    prev.insert(start.clone(), m.clone());
                    found = true;
                    break;
                }
                if !prev.contains_key(next) {
                    prev.insert(next.clone(), m.clone());
                    queue.push_back(next.clone());
                }
            }
            if found {
                break;
            }
        }
        if found {
            let mut path = vec![start.clone()];
            let mut m = prev[start].clone();
            while &m != start {
                path.push(m.clone());
                m = prev[&m].clone();
            }
            path.push(start.clone());
            let n = path.len();
            path[1..n - 1].reverse();
            in_cycle.extend(path.iter().cloned());
            cycles.push(path.iter().map(show).collect());
        }
    }
    cycles
}
