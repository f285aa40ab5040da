//! The subset of AJV 8 that v3's configuration schema uses, with v3's options: `allErrors`,
//! `coerceTypes: 'array'` (values are rewritten in place, as AJV does, even inside `anyOf`
//! branches that end up failing), and the custom `regexp` keyword.
//!
//! Keywords are checked in AJV's order (untyped ones first, then the number, string, array and
//! object groups) so that errors come out in the order v3 lists them. Each error carries what
//! v3's error normaliser looks at (keyword, instance and schema paths, params, parent schema).

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::jsval::{coerce_string, js_number, number_value};

/// One AJV error, with the fields v3's `normalize-ajv-errors` reads.
#[derive(Debug, Clone)]
pub(crate) struct AjvError {
    pub keyword: &'static str,
    /// JSON pointer into the configuration, `""` for the root.
    pub instance_path: String,
    /// `#/properties/provider/…` (references followed transparently, as v3 inlines them).
    pub schema_path: String,
    pub message: String,
    /// `additionalProperties`: the unknown key.
    pub additional_property: Option<String>,
    /// `enum`: the allowed values.
    pub allowed_values: Vec<Value>,
    /// For `anyOf` filtering: `const` when the failing schema has a truthy `const`, else its
    /// `type` (joined with `,` when a list), `None` when it has neither.
    pub parent_kind: Option<String>,
    /// `regexp`: the checked value and the keyword's schema, for v3's message.
    pub data: Option<Value>,
    pub schema_text: Option<String>,
    /// Set by the normaliser: the one type every failing `anyOf` variant expected.
    pub common_type: Option<Option<String>>,
}

impl AjvError {
    fn new(keyword: &'static str, ipath: &str, spath: String, schema: &Map<String, Value>) -> Self {
        let parent_kind = if schema.get("const").is_some_and(crate::jsval::is_truthy) {
            Some("const".to_string())
        } else {
            schema.get("type").map(type_text)
        };
        AjvError {
            keyword,
            instance_path: ipath.to_string(),
            schema_path: spath,
            message: String::new(),
            additional_property: None,
            allowed_values: Vec::new(),
            parent_kind,
            data: None,
            schema_text: None,
            common_type: None,
        }
    }
    fn msg(mut self, m: impl Into<String>) -> Self {
        self.message = m.into();
        self
    }
}

fn type_text(t: &Value) -> String {
    match t {
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(","),
        other => other.as_str().unwrap_or_default().to_string(),
    }
}

/// Validates (and coerces) `data` against `root` (a schema whose `$ref`s point into its own
/// `definitions`).
pub(crate) fn validate(root: &Value, data: &mut Value) -> Vec<AjvError> {
    let mut v = Validator {
        root,
        errors: Vec::new(),
        regexes: HashMap::new(),
    };
    v.check(root, data, "", "#");
    v.errors
}

struct Validator<'s> {
    root: &'s Value,
    errors: Vec<AjvError>,
    regexes: HashMap<String, Option<JsRegex>>,
}

/// JSON types as AJV names them.
fn has_type(t: &str, v: &Value) -> bool {
    match t {
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.as_f64().is_some_and(|n| n.fract() == 0.0),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => false,
    }
}

const COERCIBLE: &[&str] = &["string", "number", "integer", "boolean", "null", "array"];

/// AJV `coerceTypes: 'array'` for one target type: the coerced value, if any.
fn coerce_to(t: &str, v: &Value) -> Option<Value> {
    match t {
        "string" => match v {
            Value::Number(_) | Value::Bool(_) => coerce_string(v).map(Value::String),
            Value::Null => Some(Value::String(String::new())),
            _ => None,
        },
        "number" | "integer" => {
            let n = match v {
                Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
                Value::Null => Some(0.0),
                // `data && data == +data`: a non-empty string that is a number.
                Value::String(s) if !s.is_empty() => js_number(s).filter(|n| !n.is_nan()),
                _ => None,
            }?;
            if t == "integer" && n.fract() != 0.0 {
                return None;
            }
            Some(number_value(n))
        }
        "boolean" => match v {
            Value::String(s) if s == "false" => Some(Value::Bool(false)),
            Value::String(s) if s == "true" => Some(Value::Bool(true)),
            Value::Number(n) if n.as_f64() == Some(0.0) => Some(Value::Bool(false)),
            Value::Number(n) if n.as_f64() == Some(1.0) => Some(Value::Bool(true)),
            Value::Null => Some(Value::Bool(false)),
            _ => None,
        },
        "null" => match v {
            Value::String(s) if s.is_empty() => Some(Value::Null),
            Value::Number(n) if n.as_f64() == Some(0.0) => Some(Value::Null),
            Value::Bool(false) => Some(Value::Null),
            _ => None,
        },
        "array" => match v {
            Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null => {
                Some(Value::Array(vec![v.clone()]))
            }
            _ => None,
        },
        _ => None,
    }
}

/// Keywords of each AJV type group, in AJV's order.
const NUMBER_KW: &[&str] = &[
    "maximum",
    "minimum",
    "exclusiveMaximum",
    "exclusiveMinimum",
    "multipleOf",
];
const STRING_KW: &[&str] = &["maxLength", "minLength", "pattern", "format", "regexp"];
const ARRAY_KW: &[&str] = &[
    "maxItems",
    "minItems",
    "uniqueItems",
    "additionalItems",
    "items",
];
const OBJECT_KW: &[&str] = &[
    "maxProperties",
    "minProperties",
    "required",
    "dependencies",
    "propertyNames",
    "additionalProperties",
    "properties",
    "patternProperties",
];

fn group_of(t: &str) -> &'static [&'static str] {
    match t {
        "number" | "integer" => NUMBER_KW,
        "string" => STRING_KW,
        "array" => ARRAY_KW,
        "object" => OBJECT_KW,
        _ => &[],
    }
}

/// JSON pointer segment (`~` and `/` escaped), as AJV writes instance paths.
fn ptr(seg: &str) -> String {
    seg.replace('~', "~0").replace('/', "~1")
}

/// Schema path segment: JSON pointer escaping, then `encodeURIComponent`.
fn spseg(seg: &str) -> String {
    let mut out = String::new();
    for b in ptr(seg).bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl<'s> Validator<'s> {
    /// Follows `#/definitions/…` references.
    fn deref(&self, mut schema: &'s Value) -> &'s Value {
        while let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let found = if let Some(id) = r.strip_prefix("#/lazy/") {
                super::lazy_part(id)
            } else if let Some(name) = r.strip_prefix("#/definitions/") {
                super::lazy_part(&format!("d:{name}"))
                    .or_else(|| self.root.get("definitions").and_then(|d| d.get(name)))
            } else {
                None
            };
            match found {
                Some(s) => schema = s,
                None => break,
            }
        }
        schema
    }

    /// Validates `data`; returns whether it added no error.
    fn check(&mut self, schema: &'s Value, data: &mut Value, ipath: &str, spath: &str) -> bool {
        let before = self.errors.len();
        let schema = self.deref(schema);
        let s = match schema {
            Value::Bool(true) => return true,
            Value::Bool(false) => {
                let e = AjvError::new("false schema", ipath, spath.to_string(), &Map::new());
                self.errors.push(e.msg("boolean schema is false"));
                return false;
            }
            Value::Object(s) => s,
            _ => return true,
        };
        let types: Vec<&str> = match s.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let coerce: Vec<&str> = types
            .iter()
            .copied()
            .filter(|t| COERCIBLE.contains(t))
            .collect();
        // AJV reports a plain type mismatch inside the type's keyword group when the schema has
        // keywords for that type and nothing to coerce to; otherwise up front.
        let deferred_type = coerce.is_empty()
            && types.len() == 1
            && group_of(types[0]).iter().any(|k| s.contains_key(*k));
        if !types.is_empty()
            && !deferred_type
            && !types.iter().any(|t| has_type(t, data))
            && !self.coerce(&types, &coerce, data)
        {
            self.type_error(s, ipath, spath);
        }

        // Untyped keywords.
        if let Some(c) = s.get("const") {
            if !js_equal(c, data) {
                let e = AjvError::new("const", ipath, format!("{spath}/const"), s);
                self.errors.push(e.msg("must be equal to constant"));
            }
        }
        if let Some(Value::Array(allowed)) = s.get("enum") {
            if !allowed.iter().any(|a| js_equal(a, data)) {
                let mut e = AjvError::new("enum", ipath, format!("{spath}/enum"), s)
                    .msg("must be equal to one of the allowed values");
                e.allowed_values = allowed.clone();
                self.errors.push(e);
            }
        }
        if let Some(not) = s.get("not") {
            let n = self.errors.len();
            let valid = self.check(not, data, ipath, &format!("{spath}/not"));
            self.errors.truncate(n);
            if valid {
                let e = AjvError::new("not", ipath, format!("{spath}/not"), s);
                self.errors.push(e.msg("must NOT be valid"));
            }
        }
        if let Some(Value::Array(branches)) = s.get("anyOf") {
            let n = self.errors.len();
            let mut valid = false;
            for (i, b) in branches.iter().enumerate() {
                if self.check(b, data, ipath, &format!("{spath}/anyOf/{i}")) {
                    valid = true;
                    break;
                }
            }
            if valid {
                self.errors.truncate(n);
            } else {
                let e = AjvError::new("anyOf", ipath, format!("{spath}/anyOf"), s);
                self.errors.push(e.msg("must match a schema in anyOf"));
            }
        }
        if let Some(Value::Array(branches)) = s.get("oneOf") {
            let n = self.errors.len();
            let mut passing = 0;
            for (i, b) in branches.iter().enumerate() {
                if self.check(b, data, ipath, &format!("{spath}/oneOf/{i}")) {
                    passing += 1;
                }
            }
            if passing == 1 {
                self.errors.truncate(n);
            } else {
                let e = AjvError::new("oneOf", ipath, format!("{spath}/oneOf"), s);
                self.errors
                    .push(e.msg("must match exactly one schema in oneOf"));
            }
        }
        if let Some(Value::Array(branches)) = s.get("allOf") {
            for (i, b) in branches.iter().enumerate() {
                self.check(b, data, ipath, &format!("{spath}/allOf/{i}"));
            }
        }

        for group in ["number", "string", "array", "object"] {
            let applies = if group == "number" {
                data.is_number()
            } else {
                has_type(group, data)
            };
            if applies {
                match group {
                    "number" => self.number_kw(s, data, ipath, spath),
                    "string" => self.string_kw(s, data, ipath, spath),
                    "array" => self.array_kw(s, data, ipath, spath),
                    _ => self.object_kw(s, data, ipath, spath),
                }
            } else if deferred_type && types[0] == group {
                self.type_error(s, ipath, spath);
            }
        }
        self.errors.len() == before
    }

    fn type_error(&mut self, s: &Map<String, Value>, ipath: &str, spath: &str) {
        let t = s.get("type").map(type_text).unwrap_or_default();
        let e = AjvError::new("type", ipath, format!("{spath}/type"), s);
        self.errors.push(e.msg(format!("must be {t}")));
    }

    /// AJV's `coerceData`: a one-item array is unwrapped when the item has a wanted type;
    /// otherwise the first target type that accepts the value wins.
    fn coerce(&self, types: &[&str], coerce: &[&str], data: &mut Value) -> bool {
        if coerce.is_empty() {
            return false;
        }
        let mut current = data.clone();
        if let Value::Array(a) = data {
            if a.len() == 1 {
                current = a[0].clone();
                if types.iter().any(|t| has_type(t, &current)) {
                    *data = current;
                    return true;
                }
            }
        }
        for t in coerce {
            if let Some(v) = coerce_to(t, &current) {
                *data = v;
                return true;
            }
        }
        false
    }

    fn number_kw(&mut self, s: &Map<String, Value>, data: &Value, ipath: &str, spath: &str) {
        let Some(n) = data.as_f64() else { return };
        for (kw, op) in [
            ("maximum", "<="),
            ("minimum", ">="),
            ("exclusiveMaximum", "<"),
            ("exclusiveMinimum", ">"),
        ] {
            let Some(limit) = s.get(kw) else { continue };
            let Some(l) = limit.as_f64() else { continue };
            let ok = match op {
                "<=" => n <= l,
                ">=" => n >= l,
                "<" => n < l,
                _ => n > l,
            };
            if !ok {
                let e = AjvError::new(kw_static(kw), ipath, format!("{spath}/{kw}"), s);
                let limit = coerce_string(limit).unwrap_or_default();
                self.errors.push(e.msg(format!("must be {op} {limit}")));
            }
        }
        if let Some(m) = s.get("multipleOf").and_then(Value::as_f64) {
            if m != 0.0 && (n / m).fract() != 0.0 {
                let e = AjvError::new("multipleOf", ipath, format!("{spath}/multipleOf"), s);
                let m = coerce_string(&s["multipleOf"]).unwrap_or_default();
                self.errors.push(e.msg(format!("must be multiple of {m}")));
            }
        }
    }

    fn string_kw(&mut self, s: &Map<String, Value>, data: &Value, ipath: &str, spath: &str) {
        let Some(text) = data.as_str() else { return };
        let len = text.chars().count() as f64;
        for (kw, more) in [("maxLength", true), ("minLength", false)] {
            let Some(l) = s.get(kw).and_then(Value::as_f64) else {
                continue;
            };
            if (more && len > l) || (!more && len < l) {
                let e = AjvError::new(kw_static(kw), ipath, format!("{spath}/{kw}"), s);
                let comp = if more { "more" } else { "fewer" };
                let l = coerce_string(&s[kw]).unwrap_or_default();
                self.errors
                    .push(e.msg(format!("must NOT have {comp} than {l} characters")));
            }
        }
        if let Some(p) = s.get("pattern").and_then(Value::as_str) {
            if !self.regex_test(p, "", text) {
                let e = AjvError::new("pattern", ipath, format!("{spath}/pattern"), s);
                self.errors
                    .push(e.msg(format!("must match pattern \"{p}\"")));
            }
        }
        if let Some(f) = s.get("format").and_then(Value::as_str) {
            if !format_ok(f, text) {
                let e = AjvError::new("format", ipath, format!("{spath}/format"), s);
                self.errors
                    .push(e.msg(format!("must match format \"{f}\"")));
            }
        }
        if let Some(rx) = s.get("regexp") {
            let (pattern, flags) = match rx {
                Value::String(r) => match r.strip_prefix('/').and_then(|r| r.rsplit_once('/')) {
                    Some((p, f)) => (p.to_string(), f.to_string()),
                    None => (r.clone(), String::new()),
                },
                Value::Object(o) => (
                    o.get("pattern")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .into(),
                    o.get("flags").and_then(Value::as_str).unwrap_or("").into(),
                ),
                _ => return,
            };
            if !self.regex_test(&pattern, &flags, text) {
                let mut e = AjvError::new("regexp", ipath, format!("{spath}/regexp"), s)
                    .msg("must match pattern");
                e.data = Some(data.clone());
                e.schema_text = Some(match rx {
                    Value::String(r) => r.clone(),
                    _ => "[object Object]".into(),
                });
                self.errors.push(e);
            }
        }
    }

    fn array_kw(&mut self, s: &'s Map<String, Value>, data: &mut Value, ipath: &str, spath: &str) {
        let Value::Array(items) = data else { return };
        let len = items.len() as f64;
        for (kw, more) in [("maxItems", true), ("minItems", false)] {
            let Some(l) = s.get(kw).and_then(Value::as_f64) else {
                continue;
            };
            if (more && len > l) || (!more && len < l) {
                let e = AjvError::new(kw_static(kw), ipath, format!("{spath}/{kw}"), s);
                let comp = if more { "more" } else { "fewer" };
                let l = coerce_string(&s[kw]).unwrap_or_default();
                self.errors
                    .push(e.msg(format!("must NOT have {comp} than {l} items")));
            }
        }
        if s.get("uniqueItems") == Some(&Value::Bool(true)) {
            'outer: for i in (0..items.len()).rev() {
                for j in (0..i).rev() {
                    if js_equal(&items[i], &items[j]) {
                        let e =
                            AjvError::new("uniqueItems", ipath, format!("{spath}/uniqueItems"), s);
                        self.errors.push(e.msg(format!(
                            "must NOT have duplicate items (items ## {j} and {i} are identical)"
                        )));
                        break 'outer;
                    }
                }
            }
        }
        match s.get("items") {
            Some(Value::Array(tuple)) => {
                if let Some(extra) = s.get("additionalItems") {
                    if items.len() > tuple.len() {
                        if extra == &Value::Bool(false) {
                            let e = AjvError::new(
                                "additionalItems",
                                ipath,
                                format!("{spath}/additionalItems"),
                                s,
                            );
                            self.errors.push(
                                e.msg(format!("must NOT have more than {} items", tuple.len())),
                            );
                        } else {
                            for (i, item) in items.iter_mut().enumerate().skip(tuple.len()) {
                                let ip = format!("{ipath}/{i}");
                                self.check(extra, item, &ip, &format!("{spath}/additionalItems"));
                            }
                        }
                    }
                }
                for (i, (sub, item)) in tuple.iter().zip(items.iter_mut()).enumerate() {
                    let ip = format!("{ipath}/{i}");
                    self.check(sub, item, &ip, &format!("{spath}/items/{i}"));
                }
            }
            Some(sub) => {
                let sp = format!("{spath}/items");
                for (i, item) in items.iter_mut().enumerate() {
                    self.check(sub, item, &format!("{ipath}/{i}"), &sp);
                }
            }
            None => {}
        }
    }

    fn object_kw(&mut self, s: &'s Map<String, Value>, data: &mut Value, ipath: &str, spath: &str) {
        let Value::Object(obj) = data else { return };
        let count = obj.len() as f64;
        for (kw, more) in [("maxProperties", true), ("minProperties", false)] {
            let Some(l) = s.get(kw).and_then(Value::as_f64) else {
                continue;
            };
            if (more && count > l) || (!more && count < l) {
                let e = AjvError::new(kw_static(kw), ipath, format!("{spath}/{kw}"), s);
                let comp = if more { "more" } else { "fewer" };
                let l = coerce_string(&s[kw]).unwrap_or_default();
                self.errors
                    .push(e.msg(format!("must NOT have {comp} than {l} properties")));
            }
        }
        if let Some(Value::Array(required)) = s.get("required") {
            for r in required.iter().filter_map(Value::as_str) {
                if !obj.contains_key(r) {
                    let e = AjvError::new("required", ipath, format!("{spath}/required"), s);
                    self.errors
                        .push(e.msg(format!("must have required property '{r}'")));
                }
            }
        }
        if let Some(Value::Object(deps)) = s.get("dependencies") {
            let mut schema_deps = Vec::new();
            for (key, dep) in deps.iter().filter(|(k, _)| obj.contains_key(*k)) {
                let Value::Array(names) = dep else {
                    schema_deps.push((key, dep));
                    continue;
                };
                let names: Vec<&str> = names.iter().filter_map(Value::as_str).collect();
                for _missing in names.iter().filter(|n| !obj.contains_key(**n)) {
                    let sp = format!("{spath}/dependencies");
                    let e = AjvError::new("dependencies", ipath, sp, s);
                    let word = if names.len() == 1 {
                        "property"
                    } else {
                        "properties"
                    };
                    self.errors.push(e.msg(format!(
                        "must have {word} {} when property {key} is present",
                        names.join(", ")
                    )));
                }
            }
            for (key, dep) in schema_deps {
                let sp = format!("{spath}/dependencies/{}", spseg(key));
                self.check(dep, data, ipath, &sp);
            }
        }
        let Value::Object(obj) = data else { return };
        if let Some(names) = s.get("propertyNames") {
            let keys: Vec<String> = obj.keys().cloned().collect();
            for k in keys {
                let mut key = Value::String(k);
                if !self.check(names, &mut key, ipath, &format!("{spath}/propertyNames")) {
                    let e =
                        AjvError::new("propertyNames", ipath, format!("{spath}/propertyNames"), s);
                    self.errors.push(e.msg("property name must be valid"));
                }
            }
        }
        let props = s.get("properties").and_then(Value::as_object);
        let patterns = s.get("patternProperties").and_then(Value::as_object);
        if let Some(extra) = s.get("additionalProperties") {
            let keys: Vec<String> = obj.keys().cloned().collect();
            for k in keys {
                let known = props.is_some_and(|p| p.contains_key(&k))
                    || patterns.is_some_and(|p| p.keys().any(|pat| self.regex_test(pat, "", &k)));
                if known {
                    continue;
                }
                match extra {
                    Value::Bool(false) => {
                        let mut e = AjvError::new(
                            "additionalProperties",
                            ipath,
                            format!("{spath}/additionalProperties"),
                            s,
                        )
                        .msg("must NOT have additional properties");
                        e.additional_property = Some(k);
                        self.errors.push(e);
                    }
                    Value::Bool(true) => {}
                    sub => {
                        if let Some(v) = obj.get_mut(&k) {
                            let ip = format!("{ipath}/{}", ptr(&k));
                            self.check(sub, v, &ip, &format!("{spath}/additionalProperties"));
                        }
                    }
                }
            }
        }
        if let Some(props) = props {
            for (k, sub) in props {
                if let Some(v) = obj.get_mut(k) {
                    let ip = format!("{ipath}/{}", ptr(k));
                    let sp = format!("{spath}/properties/{}", spseg(k));
                    self.check(sub, v, &ip, &sp);
                }
            }
        }
        if let Some(patterns) = patterns {
            for (pat, sub) in patterns {
                let keys: Vec<String> = obj.keys().cloned().collect();
                for k in keys {
                    if !self.regex_test(pat, "", &k) {
                        continue;
                    }
                    if let Some(v) = obj.get_mut(&k) {
                        let ip = format!("{ipath}/{}", ptr(&k));
                        let sp = format!("{spath}/patternProperties/{}", spseg(pat));
                        self.check(sub, v, &ip, &sp);
                    }
                }
            }
        }
    }

    fn regex_test(&mut self, pattern: &str, flags: &str, text: &str) -> bool {
        let key = format!("{flags}/{pattern}");
        let rx = self
            .regexes
            .entry(key)
            .or_insert_with(|| JsRegex::new(pattern, flags));
        // A pattern sls cannot compile is not held against the user.
        rx.as_ref().is_none_or(|r| r.test(text))
    }
}

fn kw_static(kw: &str) -> &'static str {
    [
        "maximum",
        "minimum",
        "exclusiveMaximum",
        "exclusiveMinimum",
        "maxLength",
        "minLength",
        "maxItems",
        "minItems",
        "maxProperties",
        "minProperties",
    ]
    .into_iter()
    .find(|k| *k == kw)
    .unwrap_or("limit")
}

/// A JavaScript regular expression as v3's schema writes them. `regex-lite` has no
/// look-around; the schema only uses a leading negative look-ahead, which is checked as a
/// separate anchored expression.
struct JsRegex {
    positive: regex_lite::Regex,
    negative: Option<regex_lite::Regex>,
}

impl JsRegex {
    fn new(pattern: &str, flags: &str) -> Option<JsRegex> {
        let prefix = if flags.contains('i') { "(?i)" } else { "" };
        let (anchor, rest) = match pattern.strip_prefix('^') {
            Some(r) if r.starts_with("(?!") => ("^", r),
            _ => ("", pattern),
        };
        let build = |p: &str| regex_lite::Regex::new(&format!("{prefix}{p}")).ok();
        if let Some(after) = rest.strip_prefix("(?!") {
            let end = closing_paren(after)?;
            let inner = &after[..end];
            let positive = build(&format!("{anchor}{}", &after[end + 1..]))?;
            let negative = build(&format!("^(?:{})", inner.trim_start_matches('^')))?;
            return Some(JsRegex {
                positive,
                negative: Some(negative),
            });
        }
        Some(JsRegex {
            positive: build(pattern)?,
            negative: None,
        })
    }

    fn test(&self, text: &str) -> bool {
        self.positive.is_match(text) && !self.negative.as_ref().is_some_and(|n| n.is_match(text))
    }
}

/// Index of the `)` closing a group whose `(` came just before `s`.
fn closing_paren(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut escaped = false;
    let mut in_class = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '[' => in_class = true,
            ']' => in_class = false,
            '(' if !in_class => depth += 1,
            ')' if !in_class => {
                if depth == 0 {
                    return Some(i);
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    None
}

/// `ajv-formats` full mode, for the two formats the schema uses.
fn format_ok(format: &str, text: &str) -> bool {
    match format {
        // RFC 3339 date-time (AJV also requires a time zone).
        "date-time" => {
            static RX: std::sync::OnceLock<Option<regex_lite::Regex>> = std::sync::OnceLock::new();
            RX.get_or_init(|| {
                regex_lite::Regex::new(
                    r"(?i)^\d\d\d\d-[0-1]\d-[0-3]\d[t\s](?:[0-2]\d:[0-5]\d:[0-5]\d|23:59:60)(?:\.\d+)?(?:z|[+-]\d\d(?::?\d\d)?)$",
                )
                .ok()
            })
            .as_ref()
            .is_none_or(|r| r.is_match(text))
        }
        // An absolute URI: a scheme, then no spaces.
        "uri" => {
            let Some((scheme, rest)) = text.split_once(':') else {
                return false;
            };
            let mut sc = scheme.chars();
            sc.next().is_some_and(|c| c.is_ascii_alphabetic())
                && sc.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                && !rest.chars().any(char::is_whitespace)
        }
        _ => true,
    }
}

/// Deep equality with JavaScript number semantics (`1` equals `1.0`).
fn js_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| js_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| js_equal(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn coerces_like_ajv() {
        let schema = json!({"type": "object", "properties": {
            "a": {"type": "array", "items": {"type": "string"}},
            "n": {"type": "integer"},
            "s": {"type": "string"},
            "u": {"anyOf": [{"type": "number"}, {"type": "string"}]},
            "one": {"type": "number"}
        }});
        let mut data = json!({"a": "x", "n": "12", "s": 20201221, "u": "5", "one": ["3"]});
        let errors = validate(&schema, &mut data);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            data,
            json!({"a": ["x"], "n": 12, "s": "20201221", "u": 5, "one": 3})
        );
    }

    #[test]
    fn lookahead_patterns() {
        let r = JsRegex::new(r"^(?!aws:)[\w./=+:\-_\x20]{1,128}$", "").unwrap();
        assert!(r.test("Name"));
        assert!(!r.test("aws:foo"));
        let r = JsRegex::new(
            r"(?!^(\d{1,3}\.){3}\d{1,3}$)(^(([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])$)",
            "",
        )
        .unwrap();
        assert!(r.test("my-bucket"));
        assert!(!r.test("1.2.3.4"));
    }
}
