//! YAML → JSON the way Serverless v3 reads it (js-yaml 4 with its CloudFormation schema).
//!
//! Why saphyr: `serde_yaml` is archived; saphyr is maintained, YAML 1.2, and its `MarkedYaml`
//! gives every node a line/column and keeps tags, which we need for `!Ref` & co and for error
//! locations. Scalars are loaded unparsed (`early_parse(false)`) and resolved here with
//! js-yaml's rules (`yes` is a string, `017` is 17, `2020-01-01` is a date printed as an ISO
//! string, `.inf` is `null` after JSON conversion), so output matches v3 byte for byte.
//! Merge keys (`<<`) are applied here too; saphyr resolves anchors/aliases.

use saphyr::{MarkedYaml, ScalarStyle, Tag, YamlData, YamlLoader};
use serde_json::{Map, Value};

use crate::calendar::days_from_civil;
use crate::jsval::{js_order, number_value};

/// A YAML problem with its 1-based position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (line {}, column {})",
            self.message, self.line, self.column
        )
    }
}

/// CloudFormation intrinsic functions that have a YAML short form.
const CFN_FUNCTIONS: &[&str] = &[
    "And",
    "Base64",
    "Cidr",
    "Condition",
    "Equals",
    "FindInMap",
    "GetAtt",
    "GetAZs",
    "If",
    "ImportValue",
    "Join",
    "Not",
    "Or",
    "Ref",
    "Select",
    "Split",
    "Sub",
];

/// Parse one YAML document into JSON. An empty document gives `None` (js-yaml: `undefined`).
pub fn parse(src: &str) -> Result<Option<Value>, YamlError> {
    // saphyr asserts internal invariants with panics in a few places; a malformed file must
    // never take the CLI down, so a panic here becomes an ordinary parse error.
    let loaded = std::panic::catch_unwind(|| load_docs(src)).unwrap_or_else(|_| {
        Err(YamlError {
            message: "unreadable YAML (parser failure)".into(),
            line: 1,
            column: 1,
        })
    })?;
    let mut docs = loaded.into_iter();
    let Some(doc) = docs.next() else {
        return Ok(None);
    };
    if let Some(second) = docs.next() {
        let (line, column) = pos(&second);
        return Err(YamlError {
            message: "expected a single document in the stream, but found more".into(),
            line,
            column,
        });
    }
    if matches!(doc.data, YamlData::BadValue) {
        return Ok(None);
    }
    convert(&doc, 0).map(Some)
}

fn load_docs(src: &str) -> Result<Vec<MarkedYaml<'_>>, YamlError> {
    let mut parser = saphyr_parser::Parser::new_from_str(src);
    let mut loader: YamlLoader<'_, MarkedYaml<'_>> = YamlLoader::default();
    loader.early_parse(false);
    let res = parser.load(&mut loader, true);
    let err = res.err().or_else(|| loader.error().cloned());
    if let Some(e) = err {
        return Err(YamlError {
            message: e.info().to_string(),
            line: e.marker().line(),
            column: e.marker().col() + 1,
        });
    }
    Ok(loader.into_documents())
}

fn pos(n: &MarkedYaml<'_>) -> (usize, usize) {
    (n.span.start.line(), n.span.start.col() + 1)
}

fn err_at(n: &MarkedYaml<'_>, message: String) -> YamlError {
    let (line, column) = pos(n);
    YamlError {
        message,
        line,
        column,
    }
}

/// Nesting deeper than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 400;

fn convert(n: &MarkedYaml<'_>, depth: usize) -> Result<Value, YamlError> {
    if depth > MAX_DEPTH {
        return Err(err_at(n, "nesting too deep".into()));
    }
    match &n.data {
        YamlData::Representation(text, style, tag) => scalar(n, text, *style, tag.as_deref()),
        YamlData::Value(s) => Ok(Value::String(format!("{s:?}"))),
        YamlData::Sequence(items) => items
            .iter()
            .map(|i| convert(i, depth + 1))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        YamlData::Mapping(m) => mapping(n, m.iter(), depth),
        YamlData::Tagged(tag, inner) => {
            let data = convert(inner, depth + 1)?;
            apply_tag(n, tag, data)
        }
        YamlData::Alias(_) | YamlData::BadValue => Ok(Value::Null),
    }
}

fn mapping<'a, 'i: 'a>(
    n: &MarkedYaml<'i>,
    entries: impl Iterator<Item = (&'a MarkedYaml<'i>, &'a MarkedYaml<'i>)>,
    depth: usize,
) -> Result<Value, YamlError> {
    let mut out = Map::new();
    // Keys that came from a merge (`<<`) may be overridden by explicit keys.
    let mut overridable: Vec<String> = Vec::new();
    for (k, v) in entries {
        let is_merge =
            matches!(&k.data, YamlData::Representation(t, ScalarStyle::Plain, None) if t == "<<");
        if is_merge {
            let merged = convert(v, depth + 1)?;
            let sources = match merged {
                Value::Array(a) => a,
                other => vec![other],
            };
            for src in sources {
                let Value::Object(src) = src else {
                    return Err(err_at(
                        v,
                        "cannot merge mappings; the provided source object is unacceptable".into(),
                    ));
                };
                for (sk, sv) in src {
                    if !out.contains_key(&sk) {
                        out.insert(sk.clone(), sv);
                        overridable.push(sk);
                    }
                }
            }
            continue;
        }
        let key = key_string(convert(k, depth + 1)?);
        let value = convert(v, depth + 1)?;
        if out.contains_key(&key) {
            if let Some(i) = overridable.iter().position(|o| *o == key) {
                overridable.swap_remove(i);
            } else {
                return Err(err_at(k, "duplicated mapping key".into()));
            }
        }
        out.insert(key, value);
    }
    let _ = n;
    js_order(&mut out);
    Ok(Value::Object(out))
}

/// js-yaml turns any key into a string (`String(key)`).
fn key_string(v: Value) -> String {
    match v {
        Value::String(s) => s,
        Value::Null => "null".into(),
        Value::Object(_) => "[object Object]".into(),
        other => crate::jsval::coerce_string(&other).unwrap_or_default(),
    }
}

fn scalar(
    n: &MarkedYaml<'_>,
    text: &str,
    style: ScalarStyle,
    tag: Option<&Tag>,
) -> Result<Value, YamlError> {
    if let Some(tag) = tag {
        if tag.is_yaml_core_schema() {
            return core_tagged(n, text, &tag.suffix);
        }
        // A tagged scalar is given to the tag as its raw text (js-yaml semantics).
        return apply_tag(n, tag, Value::String(text.to_string()));
    }
    if style != ScalarStyle::Plain {
        return Ok(Value::String(text.to_string()));
    }
    Ok(resolve_plain(text))
}

fn core_tagged(n: &MarkedYaml<'_>, text: &str, suffix: &str) -> Result<Value, YamlError> {
    let bad = || {
        err_at(
            n,
            format!("cannot resolve a node with !<tag:yaml.org,2002:{suffix}> explicit tag"),
        )
    };
    match suffix {
        "str" => Ok(Value::String(text.to_string())),
        "null" => resolve_null(text).then_some(Value::Null).ok_or_else(bad),
        "bool" => resolve_bool(text).map(Value::Bool).ok_or_else(bad),
        "int" => resolve_int(text).map(number_value).ok_or_else(bad),
        "float" => resolve_float(text)
            .or_else(|| resolve_int(text))
            .map(number_value)
            .ok_or_else(bad),
        "timestamp" => resolve_timestamp(text).map(Value::String).ok_or_else(bad),
        _ => Err(err_at(
            n,
            format!("unknown tag !<tag:yaml.org,2002:{suffix}>"),
        )),
    }
}

/// js-yaml's implicit resolution order: null, bool, int, float, timestamp; else a string.
fn resolve_plain(t: &str) -> Value {
    if resolve_null(t) {
        return Value::Null;
    }
    if let Some(b) = resolve_bool(t) {
        return Value::Bool(b);
    }
    if let Some(i) = resolve_int(t) {
        return number_value(i);
    }
    if let Some(f) = resolve_float(t) {
        return number_value(f);
    }
    if let Some(ts) = resolve_timestamp(t) {
        return Value::String(ts);
    }
    Value::String(t.to_string())
}

fn resolve_null(t: &str) -> bool {
    matches!(t, "" | "~" | "null" | "Null" | "NULL")
}

fn resolve_bool(t: &str) -> Option<bool> {
    match t {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

fn resolve_int(t: &str) -> Option<f64> {
    let (sign, body) = match t.as_bytes().first() {
        Some(b'-') => (-1.0, &t[1..]),
        Some(b'+') => (1.0, &t[1..]),
        _ => (1.0, t),
    };
    if body.is_empty() {
        return None;
    }
    let radix = |digits: &str, r: u32| -> Option<f64> {
        if digits.is_empty() {
            return None;
        }
        let mut acc = 0f64;
        for c in digits.chars() {
            acc = acc * r as f64 + c.to_digit(r)? as f64;
        }
        Some(acc)
    };
    let v = if body == "0" {
        0.0
    } else if let Some(d) = body.strip_prefix("0b") {
        radix(d, 2)?
    } else if let Some(d) = body.strip_prefix("0x") {
        radix(d, 16)?
    } else if let Some(d) = body.strip_prefix("0o") {
        radix(d, 8)?
    } else {
        radix(body, 10)?
    };
    let v = sign * v;
    v.is_finite().then_some(v)
}

fn resolve_float(t: &str) -> Option<f64> {
    let lower = t.to_ascii_lowercase();
    let special = |s: &str| matches!(s, ".inf" | ".Inf" | ".INF");
    let (sign, body) = match t.as_bytes().first() {
        Some(b'-') => (-1.0, &t[1..]),
        Some(b'+') => (1.0, &t[1..]),
        _ => (1.0, t),
    };
    if special(body) {
        return Some(sign * f64::INFINITY);
    }
    if matches!(t, ".nan" | ".NaN" | ".NAN") {
        return Some(f64::NAN);
    }
    let _ = lower;
    // [-+]?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?  |  \.[0-9]+([eE][-+]?[0-9]+)?
    let b = body.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let s = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - s
    };
    if b.first() == Some(&b'.') {
        if t.starts_with(['-', '+']) {
            return None;
        }
        i += 1;
        if digits(&mut i) == 0 {
            return None;
        }
    } else {
        if digits(&mut i) == 0 {
            return None;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    let v: f64 = body
        .parse()
        .ok()
        .or_else(|| format!("0{body}").parse().ok())?;
    let v = sign * v;
    v.is_finite().then_some(v)
}

/// A YAML timestamp as `Date#toISOString()` prints it.
fn resolve_timestamp(t: &str) -> Option<String> {
    let b = t.as_bytes();
    let num = |s: &[u8]| -> Option<i64> {
        if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(s).ok()?.parse().ok()
    };
    if b.len() < 8 {
        return None;
    }
    let year = num(b.get(0..4)?)?;
    if b.get(4) != Some(&b'-') {
        return None;
    }
    let mut i = 5;
    let take = |i: &mut usize, min: usize, max: usize| -> Option<i64> {
        let s = *i;
        while *i < b.len() && b[*i].is_ascii_digit() && *i - s < max {
            *i += 1;
        }
        if *i - s < min {
            return None;
        }
        num(&b[s..*i])
    };
    let month = take(&mut i, 1, 2)?;
    if b.get(i) != Some(&b'-') {
        return None;
    }
    i += 1;
    let day = take(&mut i, 1, 2)?;
    let date_only = i == b.len();
    if date_only && (t.len() != 10) {
        // The date-only form requires two-digit month and day.
        return None;
    }
    let (mut hour, mut minute, mut second, mut millis, mut offset_min) = (0, 0, 0, 0i64, 0i64);
    if !date_only {
        match b.get(i) {
            Some(b'T' | b't') => i += 1,
            Some(b' ' | b'\t') => {
                while matches!(b.get(i), Some(b' ' | b'\t')) {
                    i += 1;
                }
            }
            _ => return None,
        }
        hour = take(&mut i, 1, 2)?;
        if b.get(i) != Some(&b':') {
            return None;
        }
        i += 1;
        minute = take(&mut i, 2, 2)?;
        if b.get(i) != Some(&b':') {
            return None;
        }
        i += 1;
        second = take(&mut i, 2, 2)?;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let s = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let mut frac: String = t[s..i].chars().take(3).collect();
            while frac.len() < 3 {
                frac.push('0');
            }
            millis = frac.parse().unwrap_or(0);
        }
        while matches!(b.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        match b.get(i) {
            None => {}
            Some(b'Z') => {
                i += 1;
            }
            Some(c @ (b'+' | b'-')) => {
                let neg = *c == b'-';
                i += 1;
                let h = take(&mut i, 1, 2)?;
                let m = if b.get(i) == Some(&b':') {
                    i += 1;
                    take(&mut i, 2, 2)?
                } else {
                    0
                };
                offset_min = if neg { -(h * 60 + m) } else { h * 60 + m };
            }
            _ => return None,
        }
        if i != b.len() {
            return None;
        }
    }
    // Date.UTC normalises out-of-range fields; do the same through epoch milliseconds.
    let days = days_from_civil(year, month, 1) + (day - 1);
    let ms = days * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + millis
        - offset_min * 60_000;
    Some(iso_from_ms(ms))
}

fn iso_from_ms(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

/// `!Ref x` → `{"Ref": x}`, `!GetAtt A.B` → `{"Fn::GetAtt": ["A", "B"]}`, `!Sub` → `Fn::Sub`, …
fn apply_tag(n: &MarkedYaml<'_>, tag: &Tag, data: Value) -> Result<Value, YamlError> {
    let name = if tag.handle == "!" {
        CFN_FUNCTIONS.iter().find(|f| **f == tag.suffix)
    } else {
        None
    };
    let Some(name) = name else {
        let shown = if tag.handle == "!" {
            format!("!{}", tag.suffix)
        } else {
            format!("{}{}", tag.handle, tag.suffix)
        };
        return Err(err_at(n, format!("unknown tag !<{shown}>")));
    };
    let data = match (*name, data) {
        ("GetAtt", Value::String(s)) => {
            let (first, rest) = s.split_once('.').unwrap_or((s.as_str(), ""));
            Value::Array(vec![
                Value::String(first.to_string()),
                Value::String(rest.to_string()),
            ])
        }
        (_, d) => d,
    };
    let key = if matches!(*name, "Ref" | "Condition") {
        (*name).to_string()
    } else {
        format!("Fn::{name}")
    };
    let mut m = Map::new();
    m.insert(key, data);
    Ok(Value::Object(m))
}

/// Whether js-yaml's default schema would read this plain scalar as anything but a string
/// (the YAML writer then quotes it).
pub(crate) fn resolves_implicitly(t: &str) -> bool {
    t == "<<"
        || resolve_null(t)
        || resolve_bool(t).is_some()
        || resolve_int(t).is_some()
        || resolve_float(t).is_some()
        || resolve_timestamp(t).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(s: &str) -> Value {
        parse(s).unwrap().unwrap()
    }

    #[test]
    fn scalars_like_js_yaml() {
        let v = p("a: yes\nb: 017\nc: 0x1F\nd: 1_000\ne: .inf\nf: 1.5e3\ng: 2020-01-01\nh: ~\ni:\nj: '5'\nk: 2001-12-14t21:59:43.10-05:00\n");
        assert_eq!(
            v,
            json!({"a":"yes","b":17,"c":31,"d":"1_000","e":null,"f":1500,"g":"2020-01-01T00:00:00.000Z","h":null,"i":null,"j":"5","k":"2001-12-15T02:59:43.100Z"})
        );
    }

    #[test]
    fn cfn_tags() {
        let v = p("a: !Ref X\nb: !GetAtt A.B.C\nc: !GetAtt [A, B]\nd: !Sub 'x-${AWS::Region}'\ne: !Join ['', [a, !Ref B]]\nf: !Condition C\ng: !Ref 12\n");
        assert_eq!(
            v,
            json!({"a":{"Ref":"X"},"b":{"Fn::GetAtt":["A","B.C"]},"c":{"Fn::GetAtt":["A","B"]},
                   "d":{"Fn::Sub":"x-${AWS::Region}"},"e":{"Fn::Join":["",["a",{"Ref":"B"}]]},
                   "f":{"Condition":"C"},"g":{"Ref":"12"}})
        );
    }

    #[test]
    fn anchors_and_merge_keys() {
        let v = p("base: &b\n  x: 1\n  y: 2\nd:\n  <<: *b\n  y: 3\n  z: 4\nl: *b\n");
        assert_eq!(v["d"], json!({"x":1,"y":3,"z":4}));
        assert_eq!(v["l"], json!({"x":1,"y":2}));
    }

    #[test]
    fn errors_have_positions() {
        let e = parse("a: 1\nb: [1, 2\n").unwrap_err();
        assert!(e.line >= 2, "{e:?}");
        let e = parse("a: !Nope x\n").unwrap_err();
        assert_eq!(e.message, "unknown tag !<!Nope>");
        assert_eq!((e.line, e.column), (1, 4));
        let e = parse("a: 1\na: 2\n").unwrap_err();
        assert_eq!(e.line, 2);
    }

    #[test]
    fn empty_is_none() {
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("# only a comment\n").unwrap(), None);
    }
}
