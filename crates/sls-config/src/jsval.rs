//! JavaScript value semantics that Serverless v3 relies on implicitly: `Number(string)`,
//! string coercion (`"" + value`), number formatting and the key order of JS objects
//! (integer-like keys first, ascending). Matching these keeps `sls print` byte-identical.

use serde_json::{Map, Number, Value};

/// `Number(s)` when it is not NaN (`!isNaN(s)` in v3's parser).
pub fn js_number(s: &str) -> Option<f64> {
    let t = s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if t.is_empty() {
        return Some(0.0);
    }
    let radix = |p: &str, r: u32| -> Option<f64> {
        if p.is_empty() {
            return None;
        }
        let mut acc = 0f64;
        for c in p.chars() {
            acc = acc * r as f64 + c.to_digit(r)? as f64;
        }
        Some(acc)
    };
    if let Some(p) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return radix(p, 16);
    }
    if let Some(p) = t.strip_prefix("0o").or_else(|| t.strip_prefix("0O")) {
        return radix(p, 8);
    }
    if let Some(p) = t.strip_prefix("0b").or_else(|| t.strip_prefix("0B")) {
        return radix(p, 2);
    }
    match t {
        "Infinity" | "+Infinity" => return Some(f64::INFINITY),
        "-Infinity" => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    // StrDecimalLiteral: sign, digits, optional fraction, optional exponent; nothing else.
    let b = t.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i - int_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let f = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        digits += i - f;
    }
    if digits == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let e = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == e {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    t.parse::<f64>().ok()
}

/// A JS number as JSON: integers stay integers; NaN and ±Infinity become `null`, as
/// `JSON.stringify` does.
pub fn number_value(n: f64) -> Value {
    if !n.is_finite() {
        return Value::Null;
    }
    if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        // -0 prints as 0 in JSON.stringify.
        return Value::Number(Number::from(n as i64));
    }
    Number::from_f64(n).map_or(Value::Null, Value::Number)
}

/// `String(n)` for a JS number.
pub fn js_number_to_string(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if n.fract() == 0.0 && n.abs() < 1e21 {
        return format!("{}", n as i128);
    }
    let abs = n.abs();
    if (1e-7..1e21).contains(&abs) {
        return format!("{n}");
    }
    // Exponent form: JS writes `1e+21`, `1.5e-7`.
    let s = format!("{n:e}");
    match s.split_once('e') {
        Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e}"),
        _ => s,
    }
}

/// `String(value)` for a JSON number.
pub fn number_to_string(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    js_number_to_string(n.as_f64().unwrap_or(f64::NAN))
}

/// v3's `type/string/coerce`: strings, numbers, booleans and arrays (joined by `,`) coerce;
/// `null` and plain objects do not.
pub fn coerce_string(v: &Value) -> Option<String> {
    match v {
        Value::Null | Value::Object(_) => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(number_to_string(n)),
        Value::Array(a) => Some(array_join(a)),
    }
}

/// `Array.prototype.join(',')`: null → empty, nested arrays joined, objects `[object Object]`.
fn array_join(a: &[Value]) -> String {
    a.iter()
        .map(|v| match v {
            Value::Null => String::new(),
            Value::Object(_) => "[object Object]".into(),
            other => coerce_string(other).unwrap_or_default(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// JS truthiness of a JSON value (v3 drops falsy parameter values to `null`).
pub fn is_truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// Whether a key is an array index to JS (such keys are enumerated first, ascending).
pub fn is_index_key(k: &str) -> Option<u32> {
    if k == "0" {
        return Some(0);
    }
    let b = k.as_bytes();
    if b.is_empty() || b.len() > 10 || b[0] == b'0' || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    k.parse::<u64>()
        .ok()
        .filter(|n| *n < u32::MAX as u64)
        .map(|n| n as u32)
}

/// Reorder an object's keys the way a JS object enumerates them. Not recursive.
pub fn js_order(map: &mut Map<String, Value>) {
    if !map.keys().any(|k| is_index_key(k).is_some()) {
        return;
    }
    let old = std::mem::take(map);
    let mut idx: Vec<(u32, String, Value)> = Vec::new();
    let mut rest: Vec<(String, Value)> = Vec::new();
    for (k, v) in old {
        match is_index_key(&k) {
            Some(n) => idx.push((n, k, v)),
            None => rest.push((k, v)),
        }
    }
    idx.sort_by_key(|(n, _, _)| *n);
    for (_, k, v) in idx {
        map.insert(k, v);
    }
    for (k, v) in rest {
        map.insert(k, v);
    }
}

/// Insert or replace keeping JS order (an existing key keeps its place; a new one goes last,
/// or among the integer keys when it is one).
pub fn js_set(map: &mut Map<String, Value>, key: String, value: Value) {
    let new_index = !map.contains_key(&key) && is_index_key(&key).is_some();
    map.insert(key, value);
    if new_index {
        js_order(map);
    }
}

/// Apply JS key order to every object in a tree.
pub fn js_order_deep(v: &mut Value) {
    match v {
        Value::Object(m) => {
            js_order(m);
            for (_, c) in m.iter_mut() {
                js_order_deep(c);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(js_order_deep),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_like_js() {
        assert_eq!(js_number("12"), Some(12.0));
        assert_eq!(js_number(" 1e3 "), Some(1000.0));
        assert_eq!(js_number("0x1F"), Some(31.0));
        assert_eq!(js_number(".5"), Some(0.5));
        assert_eq!(js_number("5."), Some(5.0));
        assert_eq!(js_number("1_000"), None);
        assert_eq!(js_number("abc"), None);
        assert_eq!(js_number("-"), None);
        assert_eq!(js_number_to_string(1.5), "1.5");
        assert_eq!(js_number_to_string(1e21), "1e+21");
        assert_eq!(number_value(3.0), json!(3));
    }

    #[test]
    fn coercion_like_js() {
        assert_eq!(
            coerce_string(&json!([1, "a", null])).as_deref(),
            Some("1,a,")
        );
        assert_eq!(coerce_string(&json!({"a": 1})), None);
        assert_eq!(coerce_string(&json!(true)).as_deref(), Some("true"));
    }

    #[test]
    fn key_order_like_js() {
        let mut v = json!({"b": 1, "10": 2, "a": 3, "2": 4, "01": 5});
        js_order_deep(&mut v);
        let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["2", "10", "b", "a", "01"]);
    }
}
