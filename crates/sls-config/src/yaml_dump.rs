//! A port of js-yaml 4's `dump` (the subset `serverless print` uses: block style, indent 2,
//! line width 80, no refs), so `sls print` writes the same YAML as v3 byte for byte.

use serde_json::{Map, Value};

const INDENT: usize = 2;
const LINE_WIDTH: usize = 80;

/// Dump a value as js-yaml does (with its trailing newline).
pub(crate) fn dump(v: &Value) -> String {
    let mut out = write_node(0, v, true, true, false);
    out.push('\n');
    out
}

fn next_line(level: usize) -> String {
    format!("\n{}", " ".repeat(INDENT * level))
}

fn write_node(level: usize, v: &Value, block: bool, compact: bool, iskey: bool) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number(n),
        Value::String(s) => write_scalar(s, level, iskey, block),
        Value::Object(m) if block && !m.is_empty() => write_block_mapping(level, m, compact),
        Value::Object(m) => write_flow_mapping(level, m),
        Value::Array(a) if block && !a.is_empty() => write_block_sequence(level, a, compact),
        Value::Array(a) => {
            let items: Vec<String> = a
                .iter()
                .map(|x| write_node(level, x, false, false, false))
                .collect();
            format!("[{}]", items.join(", "))
        }
    }
}

fn number(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    let s = crate::jsval::js_number_to_string(f);
    // js-yaml: "5e-100" needs a dot to read back as a float.
    let b = s.as_bytes();
    let mut i = usize::from(b.first().is_some_and(|c| *c == b'-' || *c == b'+'));
    let start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i > start && b.get(i) == Some(&b'e') {
        return s.replacen('e', ".e", 1);
    }
    s
}

fn write_flow_mapping(level: usize, m: &Map<String, Value>) -> String {
    let pairs: Vec<String> = m
        .iter()
        .map(|(k, v)| {
            let key = write_node(level, &Value::String(k.clone()), false, false, false);
            let q = if key.chars().count() > 1024 { "? " } else { "" };
            format!("{q}{key}: {}", write_node(level, v, false, false, false))
        })
        .collect();
    format!("{{{}}}", pairs.join(", "))
}

fn write_block_mapping(level: usize, m: &Map<String, Value>, compact: bool) -> String {
    let mut result = String::new();
    for (k, v) in m {
        let mut pair = String::new();
        if !compact || !result.is_empty() {
            pair.push_str(&next_line(level));
        }
        let key = write_node(level + 1, &Value::String(k.clone()), true, true, true);
        let explicit = key.chars().count() > 1024;
        if explicit {
            pair.push_str(if key.starts_with('\n') { "?" } else { "? " });
        }
        pair.push_str(&key);
        if explicit {
            pair.push_str(&next_line(level));
        }
        let value = write_node(level + 1, v, true, explicit, false);
        pair.push_str(if value.starts_with('\n') { ":" } else { ": " });
        pair.push_str(&value);
        result.push_str(&pair);
    }
    if result.is_empty() {
        "{}".into()
    } else {
        result
    }
}

fn write_block_sequence(level: usize, a: &[Value], compact: bool) -> String {
    let mut result = String::new();
    for v in a {
        let item = write_node(level + 1, v, true, true, false);
        if !compact || !result.is_empty() {
            result.push_str(&next_line(level));
        }
        result.push_str(if item.starts_with('\n') { "-" } else { "- " });
        result.push_str(&item);
    }
    if result.is_empty() {
        "[]".into()
    } else {
        result
    }
}

#[derive(PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Literal,
    Folded,
    Double,
}

fn is_whitespace(c: u32) -> bool {
    c == 0x20 || c == 0x09
}
fn is_printable(c: u32) -> bool {
    (0x20..=0x7e).contains(&c)
        || ((0xa1..=0xd7ff).contains(&c) && c != 0x2028 && c != 0x2029)
        || ((0xe000..=0xfffd).contains(&c) && c != 0xfeff)
        || (0x10000..=0x10ffff).contains(&c)
}
fn is_ns_char_or_ws(c: u32) -> bool {
    is_printable(c) && c != 0xfeff && c != 0x0d && c != 0x0a
}
fn is_plain_safe(c: u32, prev: Option<u32>, inblock: bool) -> bool {
    let c_ns_ws = is_ns_char_or_ws(c);
    let c_ns = c_ns_ws && !is_whitespace(c);
    let colon = u32::from(b':');
    let flow_ok = if inblock {
        c_ns_ws
    } else {
        c_ns_ws && !matches!(char::from_u32(c), Some(',' | '[' | ']' | '{' | '}'))
    };
    (flow_ok && c != u32::from(b'#') && (prev != Some(colon) || c_ns))
        || (prev.is_some_and(|p| is_ns_char_or_ws(p) && !is_whitespace(p)) && c == u32::from(b'#'))
        || (prev == Some(colon) && c_ns)
}
fn is_plain_safe_first(c: u32) -> bool {
    is_printable(c)
        && c != 0xfeff
        && !is_whitespace(c)
        && !matches!(
            char::from_u32(c),
            Some(
                '-' | '?'
                    | ':'
                    | ','
                    | '['
                    | ']'
                    | '{'
                    | '}'
                    | '#'
                    | '&'
                    | '*'
                    | '!'
                    | '|'
                    | '='
                    | '>'
                    | '\''
                    | '"'
                    | '%'
                    | '@'
                    | '`'
            )
        )
}
fn is_plain_safe_last(c: u32) -> bool {
    !is_whitespace(c) && c != u32::from(b':')
}

/// Would js-yaml's default schema read this plain string as something else than a string?
fn is_ambiguous(s: &str) -> bool {
    crate::yaml::resolves_implicitly(s)
}

fn choose_style(s: &[char], single_line_only: bool, line_width: usize, inblock: bool) -> Style {
    let text: String = s.iter().collect();
    let first = s.first().map_or(0, |c| *c as u32);
    let last = s.last().map_or(0, |c| *c as u32);
    let mut plain = is_plain_safe_first(first) && is_plain_safe_last(last);
    let mut has_line_break = false;
    let mut has_foldable = false;
    let mut prev_break: i64 = -1;
    let mut prev: Option<u32> = None;
    let mut i = 0usize;
    for (idx, ch) in s.iter().enumerate() {
        let c = *ch as u32;
        i = idx;
        if single_line_only {
            if !is_printable(c) {
                return Style::Double;
            }
        } else if c == 0x0a {
            has_line_break = true;
            has_foldable = has_foldable
                || ((idx as i64 - prev_break - 1) > line_width as i64
                    && s.get((prev_break + 1) as usize) != Some(&' '));
            prev_break = idx as i64;
        } else if !is_printable(c) {
            return Style::Double;
        }
        plain = plain && is_plain_safe(c, prev, inblock);
        prev = Some(c);
    }
    let end = if s.is_empty() { 0 } else { i + 1 };
    if !single_line_only {
        has_foldable = has_foldable
            || ((end as i64 - prev_break - 1) > line_width as i64
                && s.get((prev_break + 1) as usize) != Some(&' '));
    }
    if !has_line_break && !has_foldable {
        if plain && !is_ambiguous(&text) {
            return Style::Plain;
        }
        return Style::Single;
    }
    if has_foldable {
        Style::Folded
    } else {
        Style::Literal
    }
}

const DEPRECATED_BOOLEANS: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off",
    "OFF",
];

/// `^[-+]?[0-9_]+(?::[0-9_]+)+(?:\.[0-9_]*)?$`
fn is_base60(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (main, frac) = match s.split_once('.') {
        Some((m, f)) => (m, Some(f)),
        None => (s, None),
    };
    if let Some(f) = frac {
        if !f.chars().all(|c| c.is_ascii_digit() || c == '_') {
            return false;
        }
    }
    let parts: Vec<&str> = main.split(':').collect();
    parts.len() >= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit() || c == '_'))
}

fn write_scalar(s: &str, level: usize, iskey: bool, inblock: bool) -> String {
    if s.is_empty() {
        return "''".into();
    }
    if DEPRECATED_BOOLEANS.contains(&s) || is_base60(s) {
        return format!("'{s}'");
    }
    let indent = INDENT * level.max(1);
    let line_width = (LINE_WIDTH.min(40)).max(LINE_WIDTH.saturating_sub(indent));
    let chars: Vec<char> = s.chars().collect();
    match choose_style(&chars, iskey, line_width, inblock) {
        Style::Plain => s.to_string(),
        Style::Single => format!("'{}'", s.replace('\'', "''")),
        Style::Literal => format!(
            "|{}{}",
            block_header(&chars),
            drop_ending_newline(&indent_string(s, indent))
        ),
        Style::Folded => format!(
            ">{}{}",
            block_header(&chars),
            drop_ending_newline(&indent_string(&fold_string(&chars, line_width), indent))
        ),
        Style::Double => format!("\"{}\"", escape_string(s)),
    }
}

fn need_indent_indicator(s: &[char]) -> bool {
    let mut i = 0;
    while s.get(i) == Some(&'\n') {
        i += 1;
    }
    s.get(i) == Some(&' ')
}

fn block_header(s: &[char]) -> String {
    let ind = if need_indent_indicator(s) {
        INDENT.to_string()
    } else {
        String::new()
    };
    let n = s.len();
    let clip = n >= 1 && s[n - 1] == '\n';
    let keep = clip && ((n >= 2 && s[n - 2] == '\n') || n == 1);
    let chomp = if keep {
        "+"
    } else if clip {
        ""
    } else {
        "-"
    };
    format!("{ind}{chomp}\n")
}

fn drop_ending_newline(s: &str) -> String {
    s.strip_suffix('\n').unwrap_or(s).to_string()
}

fn indent_string(s: &str, spaces: usize) -> String {
    let ind = " ".repeat(spaces);
    let mut out = String::new();
    for line in s.split_inclusive('\n') {
        if !line.is_empty() && line != "\n" {
            out.push_str(&ind);
        }
        out.push_str(line);
    }
    out
}

fn fold_string(s: &[char], width: usize) -> String {
    let next_lf = s.iter().position(|c| *c == '\n').unwrap_or(s.len());
    let mut result = fold_line(&s[..next_lf], width);
    let mut prev_more_indented = matches!(s.first(), Some('\n' | ' '));
    // /(\n+)([^\n]*)/g from next_lf
    let mut i = next_lf;
    while i < s.len() {
        let p0 = i;
        while i < s.len() && s[i] == '\n' {
            i += 1;
        }
        let prefix: String = s[p0..i].iter().collect();
        let l0 = i;
        while i < s.len() && s[i] != '\n' {
            i += 1;
        }
        let line = &s[l0..i];
        let more_indented = line.first() == Some(&' ');
        result.push_str(&prefix);
        if !prev_more_indented && !more_indented && !line.is_empty() {
            result.push('\n');
        }
        result.push_str(&fold_line(line, width));
        prev_more_indented = more_indented;
    }
    result
}

fn fold_line(line: &[char], width: usize) -> String {
    if line.is_empty() || line[0] == ' ' {
        return line.iter().collect();
    }
    let slice =
        |a: usize, b: usize| -> String { line[a.min(b)..b.min(line.len())].iter().collect() };
    let (mut start, mut curr) = (0usize, 0usize);
    let mut result = String::new();
    // Matches of / [^ ]/g: a space followed by a non-space.
    let mut idx = 0;
    while idx + 1 < line.len() {
        if line[idx] == ' ' && line[idx + 1] != ' ' {
            let next = idx;
            if next - start > width {
                let end = if curr > start { curr } else { next };
                result.push('\n');
                result.push_str(&slice(start, end));
                start = end + 1;
            }
            curr = next;
            idx += 2;
        } else {
            idx += 1;
        }
    }
    result.push('\n');
    if line.len() - start > width && curr > start {
        result.push_str(&slice(start, curr));
        result.push('\n');
        result.push_str(&slice(curr + 1, line.len()));
    } else {
        result.push_str(&slice(start, line.len()));
    }
    result[1..].to_string()
}

fn escape_string(s: &str) -> String {
    let mut out = String::new();
    for ch in s.chars() {
        let c = ch as u32;
        let esc = match c {
            0x00 => Some("\\0"),
            0x07 => Some("\\a"),
            0x08 => Some("\\b"),
            0x09 => Some("\\t"),
            0x0a => Some("\\n"),
            0x0b => Some("\\v"),
            0x0c => Some("\\f"),
            0x0d => Some("\\r"),
            0x1b => Some("\\e"),
            0x22 => Some("\\\""),
            0x5c => Some("\\\\"),
            0x85 => Some("\\N"),
            0xa0 => Some("\\_"),
            0x2028 => Some("\\L"),
            0x2029 => Some("\\P"),
            _ => None,
        };
        match esc {
            Some(e) => out.push_str(e),
            None if is_printable(c) => out.push(ch),
            None if c <= 0xff => out.push_str(&format!("\\x{c:02X}")),
            None if c <= 0xffff => out.push_str(&format!("\\u{c:04X}")),
            None => out.push_str(&format!("\\U{c:08X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn block_style_like_js_yaml() {
        let v = json!({"service": "demo", "provider": {"name": "aws", "n": 1, "t": true, "z": null},
            "list": [{"http": "GET /", "b": 2}, "x"], "empty": {}, "ea": [], "q": "yes", "num": "12",
            "colon": "a: b", "multi": "l1\nl2\n", "ref": {"Fn::GetAtt": ["A", "Arn"]}});
        assert_eq!(
            dump(&v),
            "service: demo\nprovider:\n  name: aws\n  'n': 1\n  t: true\n  z: null\nlist:\n  - http: GET /\n    b: 2\n  - x\nempty: {}\nea: []\nq: 'yes'\nnum: '12'\ncolon: 'a: b'\nmulti: |\n  l1\n  l2\nref:\n  Fn::GetAtt:\n    - A\n    - Arn\n"
        );
    }
}
