//! The resolution engine: a synchronous port of v3's `resolve.js`.
//!
//! v3 resolves all properties concurrently with promises; the observable behaviour (values,
//! which error is reported for which property, cycle messages) follows from the order in which
//! dependencies are registered, which is depth-first in both. We keep v3's data model: a map
//! of property path → variables meta, a dependency graph for cycle detection, "batches" for
//! re-resolving values that contain variables, and per-source "fulfilled" flags for phases.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::parse::{self, Meta, Source, Var};
use super::ExternalSource;
use crate::jsval::{coerce_string, is_truthy, js_set};
use crate::Context;

/// A resolution error (v3: ServerlessError with a message and a code). One pointer wide:
/// resolution recurses once per link of a reference chain and every frame holds a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VarError(Box<VarErrorParts>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VarErrorParts {
    pub msg: String,
    /// What to do, when the source said (an AWS error's hint).
    pub hint: Option<String>,
    /// v3's `MISSING_VARIABLE_DEPENDENCY`: "try again later", never shown.
    pub missing_dep: bool,
}

impl std::ops::Deref for VarError {
    type Target = VarErrorParts;
    fn deref(&self) -> &VarErrorParts {
        &self.0
    }
}

impl VarError {
    fn new(msg: impl Into<String>) -> Self {
        VarError(Box::new(VarErrorParts {
            msg: msg.into(),
            hint: None,
            missing_dep: false,
        }))
    }
    fn missing() -> Self {
        VarError(Box::new(VarErrorParts {
            msg: "Cannot resolve variable".into(),
            hint: None,
            missing_dep: true,
        }))
    }
    fn with_hint(mut self, hint: Option<String>) -> Self {
        self.0.hint = hint;
        self
    }
}

type R<T> = Result<T, VarError>;

#[derive(Debug, Clone)]
pub(crate) struct RVar {
    span: Option<(usize, usize)>,
    sources: Option<Vec<RSource>>,
    value: Option<Value>,
    error: Option<VarError>,
}

#[derive(Debug, Clone)]
pub(crate) struct RSource {
    kind: Option<String>,
    params: Option<Vec<RMeta>>,
    address: Option<RMeta>,
    value: Value,
}

/// v3's "value meta": a value, the variables still to resolve in it, or the error it hit.
#[derive(Debug, Clone)]
pub(crate) struct RMeta {
    value: Value,
    variables: Option<Vec<RVar>>,
    source_values: Option<Vec<String>>,
    error: Option<VarError>,
}

fn conv_vars(vars: Vec<Var>) -> Vec<RVar> {
    vars.into_iter()
        .map(|v| RVar {
            span: v.span,
            sources: v.sources.map(|s| s.into_iter().map(conv_source).collect()),
            value: v.value,
            error: None,
        })
        .collect()
}
fn conv_source(s: Source) -> RSource {
    RSource {
        kind: s.kind,
        params: s.params.map(|p| p.into_iter().map(conv_meta).collect()),
        address: s.address.map(conv_meta),
        value: s.value,
    }
}
fn conv_meta(m: Meta) -> RMeta {
    RMeta {
        value: m.value,
        variables: m.variables.map(conv_vars),
        source_values: None,
        error: None,
    }
}

/// `humanizePropertyPath`: keys joined by dots.
pub(crate) fn humanize(path: &str) -> String {
    path.replace('\0', ".")
}

/// `parseEntries`: collect string leaves that hold variables (or syntax errors).
pub(crate) fn parse_entries(
    value: &Value,
    prefix: &mut Vec<String>,
    out: &mut IndexMap<String, RMeta>,
) {
    let visit =
        |key: String, v: &Value, prefix: &mut Vec<String>, out: &mut IndexMap<String, RMeta>| {
            prefix.push(key);
            match v {
                Value::Object(_) | Value::Array(_) => parse_entries(v, prefix, out),
                Value::String(s) => match parse::parse(s) {
                    Ok(Some(vars)) => {
                        out.insert(
                            prefix.join("\0"),
                            RMeta {
                                value: v.clone(),
                                variables: Some(conv_vars(vars)),
                                source_values: None,
                                error: None,
                            },
                        );
                    }
                    Ok(None) => {}
                    Err(e) => {
                        out.insert(
                            prefix.join("\0"),
                            RMeta {
                                value: v.clone(),
                                variables: None,
                                source_values: None,
                                error: Some(VarError::new(format!(
                                    "Variable syntax error at \"{}\": {}",
                                    prefix.join("."),
                                    e.0
                                ))),
                            },
                        );
                    }
                },
                _ => {}
            }
            prefix.pop();
        };
    match value {
        Value::Object(m) => {
            for (k, v) in m {
                visit(k.clone(), v, prefix, out);
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                visit(i.to_string(), v, prefix, out);
            }
        }
        _ => {}
    }
}

/// `resolveSourceValuesVariables`: parse each concatenated part on its own, so that text
/// produced by joining values is not mistaken for a variable.
fn source_values_variables(parts: &[String]) -> Result<Option<Vec<RVar>>, parse::SyntaxError> {
    let mut base = 0;
    let mut out: Option<Vec<RVar>> = None;
    for part in parts {
        let len = part.chars().count();
        if let Some(vars) = parse::parse(part)? {
            let mut vars = conv_vars(vars);
            for v in &mut vars {
                v.span = Some(match v.span {
                    Some((s, e)) => (s + base, e + base),
                    None => (base, base + len),
                });
            }
            out.get_or_insert_with(Vec::new).extend(vars);
        }
        base += len;
    }
    Ok(out)
}

fn is_object(v: &Value) -> bool {
    matches!(v, Value::Object(_) | Value::Array(_))
}

/// `value[key]` with JS semantics for objects, arrays and strings.
fn js_index(v: &Value, key: &str) -> Option<Value> {
    match v {
        Value::Object(m) => m.get(key).cloned(),
        Value::Array(a) => {
            if key == "length" {
                return Some(Value::from(a.len()));
            }
            crate::jsval::is_index_key(key).and_then(|i| a.get(i as usize).cloned())
        }
        Value::String(s) => {
            if key == "length" {
                return Some(Value::from(s.encode_utf16().count()));
            }
            let i = crate::jsval::is_index_key(key)? as usize;
            s.chars().nth(i).map(|c| Value::String(c.to_string()))
        }
        _ => None,
    }
}

/// Which sources exist and which may answer "not found" (v3 phases).
#[derive(Debug, Clone, Default)]
pub(crate) struct SourceSet {
    pub known: HashSet<String>,
    pub fulfilled: HashSet<String>,
    /// Sources the service's plugins define (`configurationVariablesSources`), answered by the
    /// external source (through the plugin host).
    pub plugin: HashSet<String>,
    /// `sls:instanceId` is available (v3: once the Serverless instance exists).
    pub instance: bool,
}

/// All mutable resolution state; kept between phase 1 and phase 2.
#[derive(Debug, Clone)]
pub(crate) struct State {
    pub config: Value,
    pub meta: IndexMap<String, RMeta>,
    deps: HashMap<String, Vec<String>>,
    nest_depth: HashMap<String, usize>,
    memo: HashSet<(u64, String)>,
    batch: u64,
    /// `file()` contents by path: read and parsed once per resolution (v3 memoizes sources).
    files: HashMap<std::path::PathBuf, Result<Option<Value>, String>>,
}

impl State {
    pub fn new(config: Value) -> Self {
        let mut meta = IndexMap::new();
        parse_entries(&config, &mut Vec::new(), &mut meta);
        State {
            config,
            meta,
            deps: HashMap::new(),
            nest_depth: HashMap::new(),
            memo: HashSet::new(),
            batch: 0,
            files: HashMap::new(),
        }
    }

    /// Error messages of all properties, deduplicated, in property order.
    pub fn errors(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for m in self.meta.values() {
            if let Some(e) = &m.error {
                if !out.contains(&e.msg) {
                    out.push(e.msg.clone());
                }
            }
        }
        out
    }

    /// The hints of those errors, deduplicated, in property order.
    pub fn hints(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for m in self.meta.values() {
            if let Some(h) = m.error.as_ref().and_then(|e| e.hint.as_ref()) {
                if !out.contains(h) {
                    out.push(h.clone());
                }
            }
        }
        out
    }

    /// `isPropertyResolved`.
    pub fn is_resolved(&self, path: &str) -> bool {
        let keys: Vec<&str> = path.split('\0').collect();
        for i in 1..=keys.len() {
            if self.meta.contains_key(&keys[..i].join("\0")) {
                return false;
            }
        }
        let prefix = format!("{path}\0");
        !self.meta.keys().any(|k| k.starts_with(&prefix))
    }

    /// `resolveUnresolvedSourceTypes`, keeping first-seen order.
    pub fn unresolved_source_types(&self) -> Vec<String> {
        fn walk(m: &RMeta, out: &mut Vec<String>) {
            let Some(vars) = &m.variables else { return };
            for v in vars {
                let Some(sources) = &v.sources else { continue };
                let Some(s) = sources.first() else { continue };
                let Some(kind) = &s.kind else { continue };
                if let Some(ps) = &s.params {
                    ps.iter().for_each(|p| walk(p, out));
                }
                if let Some(a) = &s.address {
                    walk(a, out);
                }
                if !out.contains(kind) {
                    out.push(kind.clone());
                }
            }
        }
        let mut out = Vec::new();
        self.meta.values().for_each(|m| walk(m, &mut out));
        out
    }

    fn set_at(&mut self, path: &str, value: Value) {
        let keys: Vec<&str> = path.split('\0').collect();
        let Some((last, parents)) = keys.split_last() else {
            return;
        };
        let mut target = &mut self.config;
        for k in parents {
            target = match target {
                Value::Object(m) => match m.get_mut(*k) {
                    Some(t) => t,
                    None => return,
                },
                Value::Array(a) => match k.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                    Some(t) => t,
                    None => return,
                },
                _ => return,
            };
        }
        match target {
            Value::Object(m) => js_set(m, (*last).to_string(), value),
            Value::Array(a) => {
                if let Some(slot) = last.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                    *slot = value;
                }
            }
            _ => {}
        }
    }

    /// The value at `keys`, cloning only the result (JS property access semantics).
    pub fn get_at(&self, keys: &[&str]) -> Option<Value> {
        let mut v = &self.config;
        for (i, k) in keys.iter().enumerate() {
            let next = match v {
                Value::Object(m) => m.get(*k),
                Value::Array(a) if *k != "length" => {
                    crate::jsval::is_index_key(k).and_then(|i| a.get(i as usize))
                }
                _ => {
                    // Computed values (`length`, a character of a string): clone from here.
                    let mut owned = js_index(v, k)?;
                    for k in &keys[i + 1..] {
                        owned = js_index(&owned, k)?;
                    }
                    return Some(owned);
                }
            };
            v = next?;
        }
        Some(v.clone())
    }

    /// Whether the value at `keys` is absent or null (without cloning it).
    fn is_nullish_at(&self, keys: &[&str]) -> bool {
        let mut v = &self.config;
        for k in keys {
            let next = match v {
                Value::Object(m) => m.get(*k),
                Value::Array(a) => crate::jsval::is_index_key(k).and_then(|i| a.get(i as usize)),
                // Strings have characters and `length`; anything else has no properties.
                Value::String(_) => return js_index(v, k).is_none_or(|x| x.is_null()),
                _ => None,
            };
            match next {
                Some(n) => v = n,
                None => return true,
            }
        }
        v.is_null()
    }
}

/// One run of the resolver over the state (v3: one `resolveVariables(...)` call).
pub(crate) struct Resolver<'a> {
    pub st: &'a mut State,
    pub ctx: &'a Context<'a>,
    pub sources: &'a SourceSet,
    pub options: &'a Map<String, Value>,
    pub dir: &'a Path,
    pub external: Option<&'a dyn ExternalSource>,
}

/// Resolution recurses once per link of a reference chain (`a: ${self:b}`, `b: ${self:c}`, …).
/// Stop long before a small (2 MB, debug build) thread stack would overflow; real services
/// chain a handful of references (v3 has no such limit, but no real file comes near it).
const MAX_CALL_DEPTH: usize = 100;

impl<'a> Resolver<'a> {
    fn next_batch(&mut self) -> u64 {
        self.st.batch += 1;
        self.st.batch
    }

    /// Resolve everything (or only `paths` and what they need).
    pub fn run(&mut self, paths: Option<&[&str]>) {
        let batch = self.next_batch();
        let keys: Vec<String> = self.st.meta.keys().cloned().collect();
        match paths {
            None => {
                for k in keys {
                    self.resolve_property(batch, &k, 0);
                }
            }
            Some(targets) => {
                for t in targets {
                    for k in &keys {
                        if t.starts_with(&format!("{k}\0"))
                            || k == t
                            || k.starts_with(&format!("{t}\0"))
                        {
                            self.resolve_property(batch, k, 0);
                        }
                    }
                }
            }
        }
    }

    fn resolve_property(&mut self, batch: u64, path: &str, depth: usize) {
        if !self.st.memo.insert((batch, path.to_string())) {
            return;
        }
        self.resolve_property_inner(batch, path, depth);
    }

    fn resolve_property_inner(&mut self, batch: u64, path: &str, depth: usize) {
        if depth > MAX_CALL_DEPTH {
            if let Some(m) = self.st.meta.get_mut(path) {
                m.variables = None;
                m.error = Some(VarError::new(format!(
                    "Cannot resolve variable at \"{}\": Excessive variables nest depth",
                    humanize(path)
                )));
            }
            return;
        }
        let Some(mut vm) = self.st.meta.get(path).cloned() else {
            return;
        };
        if vm.variables.is_none() {
            return;
        }
        self.resolve_variables(batch, path, &mut vm, depth);
        if vm.variables.is_some() || vm.error.is_some() {
            self.st.meta.insert(path.to_string(), vm);
            return;
        }
        let value = vm.value.clone();
        let mut found: IndexMap<String, RMeta> = IndexMap::new();
        if let Value::String(s) = &value {
            let parsed = match &vm.source_values {
                Some(parts) => source_values_variables(parts),
                None => parse::parse(s).map(|o| o.map(conv_vars)),
            };
            match parsed {
                Ok(Some(vars)) => {
                    found.insert(
                        path.to_string(),
                        RMeta {
                            value: value.clone(),
                            variables: Some(vars),
                            source_values: None,
                            error: None,
                        },
                    );
                }
                Ok(None) => {}
                Err(e) => {
                    vm.value = Value::Null;
                    vm.error = Some(VarError::new(format!(
                        "Cannot resolve variable at \"{}\": Approached variable syntax error in resolved value \"{s}\": {}",
                        humanize(path),
                        e.0
                    )));
                    self.st.meta.insert(path.to_string(), vm);
                    return;
                }
            }
        } else if is_object(&value) {
            let mut prefix: Vec<String> = path.split('\0').map(str::to_string).collect();
            parse_entries(&value, &mut prefix, &mut found);
        }
        if !found.is_empty() {
            let nest = self.st.nest_depth.get(path).copied().unwrap_or(0) + 1;
            if nest > 10 {
                vm.value = Value::Null;
                vm.error = Some(VarError::new(format!(
                    "Cannot resolve variable at \"{}\": Excessive property variables nest depth",
                    humanize(path)
                )));
                self.st.meta.insert(path.to_string(), vm);
                return;
            }
            for (k, m) in &found {
                self.st.nest_depth.insert(k.clone(), nest);
                self.st.meta.insert(k.clone(), m.clone());
            }
        }
        if !found.contains_key(path) {
            self.st.meta.shift_remove(path);
        }
        self.st.set_at(path, value);
        if found.is_empty() {
            return;
        }
        if found.contains_key(path) {
            self.resolve_property_inner(batch, path, depth + 1);
            return;
        }
        let nb = self.next_batch();
        for k in found.keys() {
            self.resolve_property(nb, k, depth + 1);
        }
    }

    fn resolve_variables(&mut self, batch: u64, path: &str, vm: &mut RMeta, depth: usize) {
        let Some(mut vars) = vm.variables.take() else {
            return;
        };
        for var in vars.iter_mut() {
            if var.sources.is_none() {
                continue;
            }
            self.resolve_variable(batch, path, var, depth);
            if let Some(e) = &var.error {
                if vm.error.is_none() {
                    vm.error = Some(e.clone());
                }
            }
        }
        if vm.error.is_some() {
            return;
        }
        if vars.iter().any(|v| v.sources.is_some()) {
            vm.variables = Some(vars);
            return;
        }
        if vars.len() == 1 && vars[0].span.is_none() {
            vm.value = vars[0].value.clone().unwrap_or(Value::Null);
            return;
        }
        let raw: Vec<char> = match &vm.value {
            Value::String(s) => s.chars().collect(),
            _ => Vec::new(),
        };
        let slice = |a: usize, b: usize| -> String {
            let b = b.min(raw.len());
            if a >= b {
                String::new()
            } else {
                raw[a..b].iter().collect()
            }
        };
        let mut parts = Vec::new();
        let mut last = 0;
        for v in &vars {
            let (start, end) = v.span.unwrap_or((0, raw.len()));
            let Some(s) = v.value.as_ref().and_then(coerce_string) else {
                vm.error = Some(VarError::new(format!(
                    "Cannot resolve variable at \"{}\": String value consist of variable which resolve with non-string value",
                    humanize(path)
                )));
                return;
            };
            parts.push(slice(last, start));
            parts.push(s);
            last = end;
        }
        parts.push(slice(last, raw.len()));
        vm.value = Value::String(parts.concat());
        vm.source_values = Some(parts);
    }

    fn resolve_variable(&mut self, batch: u64, path: &str, var: &mut RVar, depth: usize) {
        let Some(mut sources) = var.sources.clone() else {
            return;
        };
        loop {
            let Some(first) = sources.first() else { return };
            let Some(kind) = first.kind.clone() else {
                break;
            };
            if !self.sources.known.contains(&kind) {
                return;
            }
            let result = match sources.first_mut() {
                Some(src) => self.resolve_variable_source(batch, path, src, depth),
                None => return,
            };
            let result = match result {
                Err(e) if e.missing_dep => {
                    var.sources = Some(sources);
                    return;
                }
                Err(e) => {
                    var.sources = None;
                    var.error = Some(e);
                    return;
                }
                Ok(r) => r,
            };
            if !result.value.is_null() {
                var.sources = None;
                var.value = Some(result.value);
                return;
            }
            if result.pending {
                var.sources = Some(sources);
                return;
            }
            sources.remove(0);
            if sources.is_empty() {
                var.sources = None;
                let detail = result
                    .eventual_error
                    .unwrap_or_else(|| format!("Value not found at \"{kind}\" source"));
                var.error = Some(VarError::new(format!(
                    "Cannot resolve variable at \"{}\": {detail}",
                    humanize(path)
                )));
                return;
            }
        }
        // A literal fallback.
        var.sources = None;
        var.value = Some(
            sources
                .first()
                .map(|s| s.value.clone())
                .unwrap_or(Value::Null),
        );
    }

    fn resolve_variable_source(
        &mut self,
        batch: u64,
        path: &str,
        src: &mut RSource,
        depth: usize,
    ) -> R<SourceResult> {
        if let Some(params) = src.params.as_mut() {
            for p in params.iter_mut() {
                if p.variables.is_none() {
                    continue;
                }
                self.resolve_variables(batch, path, p, depth + 1);
                self.resolve_internal_result(batch, path, p, 10, depth + 1)?;
            }
        }
        if let Some(a) = src.address.as_mut() {
            if a.variables.is_some() {
                self.resolve_variables(batch, path, a, depth + 1);
                self.resolve_internal_result(batch, path, a, 10, depth + 1)?;
            }
        }
        match self.resolve_source(batch, path, src, depth) {
            Ok(r) => Ok(r),
            Err(e) if e.missing_dep || e.msg.starts_with("Cannot resolve variable at ") => Err(e),
            Err(e) => Err(VarError::new(format!(
                "Cannot resolve variable at \"{}\": {}",
                humanize(path),
                e.msg
            ))
            .with_hint(e.hint.clone())),
        }
    }

    fn resolve_internal_result(
        &mut self,
        batch: u64,
        path: &str,
        m: &mut RMeta,
        nest: u32,
        depth: usize,
    ) -> R<()> {
        if let Some(e) = &m.error {
            return Err(e.clone());
        }
        if m.variables.is_some() {
            return Err(VarError::missing());
        }
        if nest == 0 || depth > MAX_CALL_DEPTH {
            return Err(VarError::new(format!(
                "Cannot resolve variable at \"{}\": Excessive variables nest depth",
                humanize(path)
            )));
        }
        if let Value::String(s) = &m.value {
            let parsed = match &m.source_values {
                Some(parts) => source_values_variables(parts),
                None => parse::parse(s).map(|o| o.map(conv_vars)),
            };
            let vars = match parsed {
                Ok(v) => v,
                Err(e) => {
                    let err = VarError::new(format!(
                        "Cannot resolve variable at \"{}\": Approached variable syntax error in resolved value \"{s}\": {}",
                        humanize(path),
                        e.0
                    ));
                    m.value = Value::Null;
                    m.error = Some(err.clone());
                    return Err(err);
                }
            };
            let Some(vars) = vars else { return Ok(()) };
            m.variables = Some(vars);
            m.source_values = None;
            self.resolve_variables(batch, path, m, depth + 1);
            return self.resolve_internal_result(batch, path, m, nest - 1, depth + 1);
        }
        if !is_object(&m.value) {
            return Ok(());
        }
        let mut found = IndexMap::new();
        parse_entries(&m.value, &mut Vec::new(), &mut found);
        for (key_path, mut pm) in found {
            if let Some(e) = &pm.error {
                return Err(e.clone());
            }
            self.resolve_variables(batch, path, &mut pm, depth + 1);
            self.resolve_internal_result(batch, path, &mut pm, nest - 1, depth + 1)?;
            set_in(&mut m.value, &key_path, pm.value);
        }
        Ok(())
    }

    fn validate_dependency(
        &self,
        dependent: &str,
        dependency: &str,
        seen: &mut HashSet<String>,
    ) -> R<()> {
        if dependent == dependency {
            return Err(VarError::new(format!(
                "Circular reference. \"{}\" refers to itself",
                humanize(dependent)
            )));
        }
        if !seen.insert(dependency.to_string()) {
            return Ok(());
        }
        let Some(deps) = self.st.deps.get(dependency) else {
            return Ok(());
        };
        if deps.iter().any(|d| d == dependent) {
            return Err(VarError::new(format!(
                "Circular reference among \"{}\" and \"{}\" properties",
                humanize(dependent),
                humanize(dependency)
            )));
        }
        for d in deps.clone() {
            self.validate_dependency(dependent, &d, seen)?;
        }
        Ok(())
    }

    fn register_dependency(&mut self, dependent: &str, dependency: &str) -> R<()> {
        self.validate_dependency(dependent, dependency, &mut HashSet::new())?;
        let e = self.st.deps.entry(dependent.to_string()).or_default();
        if !e.iter().any(|d| d == dependency) {
            e.push(dependency.to_string());
        }
        Ok(())
    }

    /// `resolveDependentProperty`: read another property, resolving it first.
    fn resolve_config_property(
        &mut self,
        batch: u64,
        dependent: &str,
        keys: &[&str],
        depth: usize,
    ) -> R<Value> {
        for i in 0..keys.len() {
            // v3: `if (value == null) { value = undefined; break; }` on the parent value.
            if self.st.is_nullish_at(&keys[..i]) {
                return Ok(Value::Null);
            }
            let dep = keys[..=i].join("\0");
            if self.st.meta.contains_key(&dep) {
                self.register_dependency(dependent, &dep)?;
                self.resolve_property(batch, &dep, depth + 1);
            }
            if let Some(dm) = self.st.meta.get(&dep) {
                return Err(dm.error.clone().unwrap_or_else(VarError::missing));
            }
        }
        let Some(value) = self.st.get_at(keys) else {
            return Ok(Value::Null);
        };
        if !is_object(&value) {
            return Ok(value);
        }
        let nest = if keys.is_empty() {
            String::new()
        } else {
            format!("{}\0", keys.join("\0"))
        };
        let paths: Vec<String> = self
            .st
            .meta
            .keys()
            .filter(|p| p.starts_with(&nest))
            .cloned()
            .collect();
        for p in paths {
            self.register_dependency(dependent, &p)?;
            self.resolve_property(batch, &p, depth + 1);
            if let Some(m) = self.st.meta.get(&p) {
                return Err(m.error.clone().unwrap_or_else(VarError::missing));
            }
        }
        Ok(self.st.get_at(keys).unwrap_or(Value::Null))
    }

    fn resolve_source(
        &mut self,
        batch: u64,
        path: &str,
        src: &RSource,
        depth: usize,
    ) -> R<SourceResult> {
        let kind = src.kind.clone().unwrap_or_default();
        let params: Vec<Value> = src
            .params
            .as_ref()
            .map(|ps| ps.iter().map(|p| p.value.clone()).collect())
            .unwrap_or_default();
        let address: Option<Value> = src.address.as_ref().map(|a| a.value.clone());
        let fulfilled = self.sources.fulfilled.contains(&kind);
        let addr_string = |what: &str| -> R<Option<String>> {
            match &address {
                None | Some(Value::Null) => Ok(None),
                Some(v) => coerce_string(v).map(Some).ok_or_else(|| {
                    VarError::new(format!(
                        "Non-string address argument in variable \"{what}\" source: {}",
                        short(v)
                    ))
                }),
            }
        };
        match kind.as_str() {
            "self" => {
                let a = addr_string("self")?.unwrap_or_default();
                let keys: Vec<&str> = if a.is_empty() {
                    Vec::new()
                } else {
                    a.split('.').collect()
                };
                let v = self.resolve_config_property(batch, path, &keys, depth)?;
                Ok(SourceResult::value(v))
            }
            "opt" => {
                let a = addr_string("opt")?;
                if !fulfilled {
                    return Ok(match a {
                        None => SourceResult::pending(),
                        Some(a) => match self.options.get(&a) {
                            Some(v) => SourceResult::value(v.clone()),
                            None => SourceResult::pending(),
                        },
                    });
                }
                Ok(SourceResult::value(match a {
                    None => Value::Object(self.options.clone()),
                    Some(a) => self.options.get(&a).cloned().unwrap_or(Value::Null),
                }))
            }
            "env" => {
                let Some(a) = addr_string("env")? else {
                    return Err(VarError::new(
                        "Missing address argument in variable \"env\" source",
                    ));
                };
                let v = self.ctx.env.get(&a).map(|s| Value::String(s.clone()));
                Ok(SourceResult {
                    pending: !fulfilled,
                    ..SourceResult::value(v.unwrap_or(Value::Null))
                })
            }
            "strToBool" => {
                let Some(p) = params.first().filter(|p| !p.is_null()) else {
                    return Err(VarError::new("Missing \"strToBool\" input"));
                };
                let Some(s) = coerce_string(p) else {
                    return Err(VarError::new(format!(
                        "Non-string \"strToBool\" input:. Received: {}",
                        short(p)
                    )));
                };
                match s.trim().to_lowercase().as_str() {
                    "true" | "1" => Ok(SourceResult::value(Value::Bool(true))),
                    "false" | "0" => Ok(SourceResult::value(Value::Bool(false))),
                    _ => Err(VarError::new(format!(
                        "Invalid \"strToBool\" input: Expected either \"true\", \"false\", \"0\", or \"1\". Received: {}",
                        short(p)
                    ))),
                }
            }
            "sls" => {
                let Some(a) = addr_string("sls")? else {
                    return Err(VarError::new(
                        "Missing address argument in variable \"sls\" source",
                    ));
                };
                match a.as_str() {
                    "instanceId" => {
                        if !self.sources.instance {
                            return Ok(SourceResult::pending());
                        }
                        Ok(SourceResult::value(Value::String(
                            self.ctx.instance_id.clone(),
                        )))
                    }
                    "stage" => {
                        let mut stage = self.options.get("stage").cloned().unwrap_or(Value::Null);
                        if !is_truthy(&stage) {
                            stage = self.resolve_config_property(
                                batch,
                                path,
                                &["provider", "stage"],
                                depth,
                            )?;
                        }
                        if !is_truthy(&stage) {
                            stage = Value::String("dev".into());
                        }
                        Ok(SourceResult::value(stage))
                    }
                    other => Err(VarError::new(format!(
                        "Unsupported \"{other}\" address argument in variable \"sls\" source"
                    ))),
                }
            }
            "file" => self.file_source(batch, path, &params, addr_string("file")?, depth),
            "param" => self.param_source(addr_string("param")?),
            "aws" => {
                let Some(a) = addr_string("aws")? else {
                    return Err(VarError::new(
                        "Missing address argument in variable \"aws\" source",
                    ));
                };
                match a.as_str() {
                    "region" => {
                        let mut region = self.options.get("region").cloned().unwrap_or(Value::Null);
                        if !is_truthy(&region) {
                            region = self.resolve_config_property(
                                batch,
                                path,
                                &["provider", "region"],
                                depth,
                            )?;
                        }
                        if !is_truthy(&region) {
                            region = Value::String("us-east-1".into());
                        }
                        Ok(SourceResult::value(region))
                    }
                    "accountId" => self.external_source("aws", &params, &a),
                    other => Err(VarError::new(format!(
                        "Unsupported \"{other}\" address argument in variable \"aws\" source"
                    ))),
                }
            }
            "ssm" | "cf" | "s3" => {
                let Some(a) = addr_string(&kind)? else {
                    return Err(VarError::new(format!(
                        "Missing address argument in variable \"{kind}\" source"
                    )));
                };
                if kind == "cf" && !a.contains('.') {
                    return Err(VarError::new(format!(
                        "Unsupported \"{a}\" address argument in variable \"cf\" source. Expected \"<stack-name>.<output-id>\" format"
                    )));
                }
                if kind == "s3" && !a.contains('/') {
                    return Err(VarError::new(format!(
                        "Unsupported \"{a}\" address argument in variable \"s3\" source. Expected \"<bucket-name>/<key>\" format"
                    )));
                }
                self.external_source(&kind, &params, &a)
            }
            other if self.sources.plugin.contains(other) => {
                let a = addr_string(other)?.unwrap_or_default();
                self.external_source(other, &params, &a)
            }
            other => Err(VarError::new(format!(
                "Unsupported variable source \"{other}\""
            ))),
        }
    }

    fn external_source(&self, kind: &str, params: &[Value], address: &str) -> R<SourceResult> {
        let Some(ext) = self.external else {
            return Err(VarError::new(format!(
                "\"{kind}\" variables need AWS access, which this command does not set up. Give the variable a fallback (e.g. ${{{kind}:{address}, 'default'}}) or run a command that talks to AWS"
            )));
        };
        let params: Vec<String> = params.iter().filter_map(coerce_string).collect();
        match ext.resolve(kind, address, &params) {
            Ok(v) => Ok(SourceResult::value(v.unwrap_or(Value::Null))),
            Err(e) => Err(VarError::new(e.message).with_hint(e.hint)),
        }
    }

    fn param_source(&mut self, address: Option<String>) -> R<SourceResult> {
        let Some(name) = address else {
            return Err(VarError::new(
                "Missing address argument in variable \"param\" source",
            ));
        };
        // CLI params win, then params.<stage>, then params.default (v3 dashboard plugin).
        let mut found: Option<Value> = None;
        for (k, v) in &self.ctx.options.params {
            if *k == name {
                found = Some(Value::String(v.trim_end().to_string()));
            }
        }
        if found.is_none() {
            let stage = self.param_stage();
            let params = self.st.config.get("params");
            for group in [stage.as_str(), "default"] {
                if let Some(v) = params.and_then(|p| p.get(group)).and_then(|g| g.get(&name)) {
                    if !v.is_null() {
                        found = Some(v.clone());
                        break;
                    }
                }
            }
        }
        match found {
            Some(v) => Ok(SourceResult::value(v)),
            None => {
                let set = |k: &str| is_truthy(self.st.config.get(k).unwrap_or(&Value::Null));
                let dashboard = set("org") && set("app");
                let mut message = format!(
                    "The param \"{name}\" cannot be resolved from CLI options or stage params{}. If you are using Serverless Framework Compose, make sure to run commands via Compose so that all parameters can be resolved",
                    if dashboard { " or Serverless Dashboard" } else { "" }
                );
                // With `org`/`app`, v3 would ask the Dashboard: sls never does, so say so.
                if set("org") || set("app") {
                    let stage = self.param_stage();
                    message.push_str(&format!(
                        ". sls does not read Serverless Dashboard parameters: define \"{name}\" under `params.{stage}` or `params.default` in the service file, pass `--param=\"{name}=<value>\"`, or deploy with the Serverless Framework v3 logged in to the Dashboard"
                    ));
                }
                Ok(SourceResult {
                    value: Value::Null,
                    pending: false,
                    eventual_error: Some(message),
                })
            }
        }
    }

    fn param_stage(&self) -> String {
        if let Some(s) = self.ctx.options.stage.as_ref().filter(|s| !s.is_empty()) {
            return s.clone();
        }
        match self.st.config.get("provider").and_then(|p| p.get("stage")) {
            Some(v) if is_truthy(v) => coerce_string(v).unwrap_or_else(|| "dev".into()),
            _ => "dev".into(),
        }
    }

    fn file_source(
        &mut self,
        batch: u64,
        path: &str,
        params: &[Value],
        address: Option<String>,
        depth: usize,
    ) -> R<SourceResult> {
        let Some(p) = params.first().filter(|p| is_truthy(p)) else {
            return Err(VarError::new(
                "Missing path argument in variable \"file\" source",
            ));
        };
        let Some(rel) = coerce_string(p) else {
            return Err(VarError::new(format!(
                "Non-string path argument in variable \"file\" source: {}",
                short(p)
            )));
        };
        let full = self.dir.join(&rel);
        let shown = rel.trim_start_matches("./").to_string();
        let extension = full
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if matches!(extension.as_str(), "js" | "cjs" | "mjs" | "ts") {
            return Err(VarError::new(format!(
                "Cannot load \"{shown}\": JavaScript files are not supported by sls in file() variables; export the data as YAML or JSON instead"
            )));
        }
        let content = match self.st.files.get(&full) {
            Some(cached) => cached.clone(),
            None => {
                let loaded = load_file(&full, &extension, &shown);
                self.st.files.insert(full.clone(), loaded.clone());
                loaded
            }
        }
        .map_err(VarError::new)?;
        let Some(address) = address.filter(|a| !a.is_empty()) else {
            return Ok(SourceResult::value(content.unwrap_or(Value::Null)));
        };
        let Some(mut result) = content else {
            return Ok(SourceResult::value(Value::Null));
        };
        for key in address.split('.') {
            if let Value::String(s) = &result {
                result = self.resolve_variables_in_string(batch, path, s.clone(), depth)?;
            }
            match js_index(&result, key) {
                Some(v) if !v.is_null() => result = v,
                _ => return Ok(SourceResult::value(Value::Null)),
            }
        }
        Ok(SourceResult::value(result))
    }

    fn resolve_variables_in_string(
        &mut self,
        batch: u64,
        path: &str,
        s: String,
        depth: usize,
    ) -> R<Value> {
        let vars = match parse::parse(&s) {
            Ok(Some(v)) => conv_vars(v),
            Ok(None) => return Ok(Value::String(s)),
            Err(e) => return Err(VarError::new(e.0)),
        };
        let mut m = RMeta {
            value: Value::String(s),
            variables: Some(vars),
            source_values: None,
            error: None,
        };
        self.resolve_variables(batch, path, &mut m, depth + 1);
        self.resolve_internal_result(batch, path, &mut m, 10, depth + 1)?;
        Ok(m.value)
    }
}

/// Read and parse a `file()` target: `Ok(None)` when it does not exist.
fn load_file(full: &Path, extension: &str, shown: &str) -> Result<Option<Value>, String> {
    let text = match std::fs::read_to_string(full) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("Cannot parse \"{shown}\": {e}")),
    };
    match extension {
        "yml" | "yaml" | "json" | "tfstate" => {
            crate::files::parse_document(&text, extension, shown)
                .map(|v| Some(v.unwrap_or(Value::Null)))
                .map_err(|e| e.to_string())
        }
        _ => Ok(Some(Value::String(text))),
    }
}

fn set_in(root: &mut Value, key_path: &str, value: Value) {
    let keys: Vec<&str> = key_path.split('\0').collect();
    let Some((last, parents)) = keys.split_last() else {
        return;
    };
    let mut t = root;
    for k in parents {
        t = match t {
            Value::Object(m) => match m.get_mut(*k) {
                Some(x) => x,
                None => return,
            },
            Value::Array(a) => match k.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                Some(x) => x,
                None => return,
            },
            _ => return,
        };
    }
    match t {
        Value::Object(m) => js_set(m, (*last).to_string(), value),
        Value::Array(a) => {
            if let Some(s) = last.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                *s = value;
            }
        }
        _ => {}
    }
}

/// `toShortString`-like rendering of a value in messages.
fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Object(_) => "[object Object]".into(),
        other => coerce_string(other).unwrap_or_else(|| other.to_string()),
    };
    let s = if s.chars().count() > 100 {
        let mut t: String = s.chars().take(99).collect();
        t.push('…');
        t
    } else {
        s
    };
    s.replace('\n', "\\n").replace('\r', "\\r")
}

/// What a source answered.
pub(crate) struct SourceResult {
    value: Value,
    /// v3 `isPending`: no value yet, but the source may know more in a later phase.
    pending: bool,
    eventual_error: Option<String>,
}

impl SourceResult {
    fn value(value: Value) -> Self {
        SourceResult {
            value,
            pending: false,
            eventual_error: None,
        }
    }
    fn pending() -> Self {
        SourceResult {
            value: Value::Null,
            pending: true,
            eventual_error: None,
        }
    }
}
