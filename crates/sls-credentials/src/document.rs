//! AWS profile files (`~/.aws/credentials`, `~/.aws/config`) as a lossless,
//! line-based document.
//!
//! [`Document::parse`] keeps every byte: a UTF-8 BOM, each line's text and its
//! own line ending (`\n`, `\r\n`, or none for a last line without newline), so
//! [`Document::render`] gives back the input exactly. Each line is also
//! classified (header, property, nested property, comment, blank, other) with
//! the rules the AWS SDKs use, which the lookup view ([`crate::profiles`]) and the
//! edits ([`crate::configure`]) share through [`scan`].
//!
//! Classification rules (compat.md §1):
//! - `[name]` header, optional leading whitespace, optional trailing `# c`/`; c`;
//!   the name is everything between the brackets, taken literally.
//! - `key = value` / `key=value`: key and value trimmed; `#`/`;` start a comment
//!   only at the start of the value or after whitespace (`sec#ret` is a value).
//! - A line whose first non-blank character is `#` or `;` is a comment.
//! - Nested blocks (`s3 =` followed by indented `key = value` lines) are kept as
//!   [`LineKind::Nested`] so their keys never leak into the profile. We only
//!   nest after a property with an *empty* value: a profile written entirely
//!   with indented lines still reads as ordinary properties.
//! - Anything else (junk, a broken header) is [`LineKind::Other`]: kept, ignored.

use std::fmt;
use std::ops::Range;

/// The UTF-8 byte order mark.
pub const BOM: &str = "\u{feff}";

/// What a line is, with byte ranges into the line's text (without its ending).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineKind {
    Blank,
    Comment,
    /// `[...]`: `name` is the text between the brackets.
    Header {
        name: Range<usize>,
    },
    /// A top-level `key = value` of the current section (value without comment).
    Property {
        key: Range<usize>,
        value: Range<usize>,
    },
    /// An indented line below a property with an empty value (`s3 =` blocks).
    Nested,
    /// Not understood; kept and ignored.
    Other,
}

/// One line: its text (no line ending), the ending it had, and its kind.
/// `Debug` shows a property's key but never a value (they hold secrets).
#[derive(Clone, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    /// `"\n"`, `"\r\n"` or `""` (last line without a newline).
    pub eol: &'static str,
    pub kind: LineKind,
}

impl fmt::Debug for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        redacted_line(f, "Line", &self.text, self.eol, &self.kind)
    }
}

/// Debug output for a line: headers and comments are harmless, values are not.
fn redacted_line(
    f: &mut fmt::Formatter<'_>,
    ty: &str,
    text: &str,
    eol: &str,
    kind: &LineKind,
) -> fmt::Result {
    let shown = match kind {
        LineKind::Header { name } => format!("[{}]", &text[name.clone()]),
        LineKind::Property { key, .. } => format!("{} = <redacted>", &text[key.clone()]),
        LineKind::Blank => String::new(),
        _ => "<redacted>".to_string(),
    };
    f.debug_struct(ty)
        .field("text", &shown)
        .field("eol", &eol)
        .field("kind", kind)
        .finish()
}

impl Line {
    pub fn header_name(&self) -> Option<&str> {
        match &self.kind {
            LineKind::Header { name } => Some(&self.text[name.clone()]),
            _ => None,
        }
    }
    pub fn key(&self) -> Option<&str> {
        match &self.kind {
            LineKind::Property { key, .. } => Some(&self.text[key.clone()]),
            _ => None,
        }
    }
    pub fn value(&self) -> Option<&str> {
        match &self.kind {
            LineKind::Property { value, .. } => Some(&self.text[value.clone()]),
            _ => None,
        }
    }
}

/// A parsed profile file that renders back to exactly its input.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Document {
    pub bom: bool,
    pub lines: Vec<Line>,
}

/// One line as seen by [`scan`], borrowing from the input.
#[derive(Clone, PartialEq, Eq)]
pub struct ScannedLine<'a> {
    /// 1-based line number in the file (the BOM does not count).
    pub number: usize,
    pub text: &'a str,
    pub eol: &'static str,
    pub kind: LineKind,
}

impl fmt::Debug for ScannedLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        redacted_line(f, "ScannedLine", self.text, self.eol, &self.kind)
    }
}

impl Document {
    /// Parses any text; never fails (unknown lines are kept as [`LineKind::Other`]).
    pub fn parse(input: &str) -> Document {
        let (bom, body) = match input.strip_prefix(BOM) {
            Some(rest) => (true, rest),
            None => (false, input),
        };
        let lines = scan(body)
            .map(|l| Line {
                text: l.text.to_string(),
                eol: l.eol,
                kind: l.kind,
            })
            .collect();
        Document { bom, lines }
    }

    /// The exact text again (plus any edits).
    pub fn render(&self) -> String {
        let len: usize = self.lines.iter().map(|l| l.text.len() + l.eol.len()).sum();
        let mut out = String::with_capacity(len + BOM.len());
        if self.bom {
            out.push_str(BOM);
        }
        for l in &self.lines {
            out.push_str(&l.text);
            out.push_str(l.eol);
        }
        out
    }

    /// The line ending new lines should use: the first one found, else `\n`.
    pub fn line_ending(&self) -> &'static str {
        self.lines
            .iter()
            .map(|l| l.eol)
            .find(|e| !e.is_empty())
            .unwrap_or("\n")
    }

    /// Indexes of header lines whose name equals `name` exactly.
    pub fn sections_named(&self, name: &str) -> Vec<usize> {
        self.lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.header_name() == Some(name))
            .map(|(i, _)| i)
            .collect()
    }

    /// The line range of the section whose header is at `header`: up to the next header.
    pub fn section_range(&self, header: usize) -> Range<usize> {
        let end = self.lines[header + 1..]
            .iter()
            .position(|l| matches!(l.kind, LineKind::Header { .. }))
            .map(|p| header + 1 + p)
            .unwrap_or(self.lines.len());
        header..end
    }

    /// Re-classifies line `i` after its text changed (it must stay a property).
    pub(crate) fn set_line_text(&mut self, i: usize, text: String) {
        let kind = classify(&text, false);
        self.lines[i].text = text;
        self.lines[i].kind = kind;
    }
}

/// Splits `body` (without BOM) into classified lines. Shared by the lossless
/// document and the fast lookup path, so both always agree.
pub fn scan(body: &str) -> Scanner<'_> {
    Scanner {
        rest: body,
        number: 0,
        nest: false,
        done: false,
    }
}

/// Iterator returned by [`scan`].
pub struct Scanner<'a> {
    rest: &'a str,
    number: usize,
    /// True after a property with an empty value (and inside its nested block).
    nest: bool,
    done: bool,
}

impl<'a> Iterator for Scanner<'a> {
    type Item = ScannedLine<'a>;

    fn next(&mut self) -> Option<ScannedLine<'a>> {
        if self.done {
            return None;
        }
        let (text, eol, rest) = match self.rest.find('\n') {
            Some(i) => {
                let line = &self.rest[..i];
                match line.strip_suffix('\r') {
                    Some(t) => (t, "\r\n", &self.rest[i + 1..]),
                    None => (line, "\n", &self.rest[i + 1..]),
                }
            }
            None => {
                self.done = true;
                if self.rest.is_empty() {
                    return None;
                }
                (self.rest, "", "")
            }
        };
        self.rest = rest;
        if rest.is_empty() {
            self.done = true;
        }
        self.number += 1;
        let kind = classify(text, self.nest);
        self.nest = match &kind {
            LineKind::Property { value, .. } => value.is_empty(),
            LineKind::Nested | LineKind::Comment => self.nest,
            _ => false,
        };
        Some(ScannedLine {
            number: self.number,
            text,
            eol,
            kind,
        })
    }
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Classifies one line (without its ending). `nest` says whether an indented
/// line here belongs to a nested block.
pub fn classify(text: &str, nest: bool) -> LineKind {
    let start = text.len() - text.trim_start_matches(is_blank).len();
    let t = text[start..].trim_end();
    if t.is_empty() {
        return LineKind::Blank;
    }
    if t.starts_with('#') || t.starts_with(';') {
        return LineKind::Comment;
    }
    if t.starts_with('[') {
        return header(t, start);
    }
    if nest && start > 0 {
        return LineKind::Nested;
    }
    let Some(eq) = t.find('=') else {
        return LineKind::Other;
    };
    let key_raw = &t[..eq];
    let key = key_raw.trim_matches(is_blank);
    if key.is_empty() {
        return LineKind::Other;
    }
    let key_start = start + (key_raw.len() - key_raw.trim_start_matches(is_blank).len());
    let after = &t[eq + 1..];
    let lead = after.len() - after.trim_start_matches(is_blank).len();
    let value = strip_comment(&after[lead..]);
    let value_start = start + eq + 1 + lead;
    LineKind::Property {
        key: key_start..key_start + key.len(),
        value: value_start..value_start + value.len(),
    }
}

/// `[name]` with optional trailing comment; `start` is the offset of `[` in the line.
fn header(t: &str, start: usize) -> LineKind {
    let Some(close) = t.find(']') else {
        return LineKind::Other;
    };
    let inner = &t[1..close];
    let rest = t[close + 1..].trim_start_matches(is_blank);
    let rest_ok = rest.is_empty() || rest.starts_with('#') || rest.starts_with(';');
    if inner.is_empty() || inner.contains('[') || !rest_ok {
        return LineKind::Other;
    }
    LineKind::Header {
        name: start + 1..start + close,
    }
}

/// Cuts an inline comment: `#`/`;` at the start or after whitespace.
fn strip_comment(v: &str) -> &str {
    let mut prev_blank = true;
    for (i, c) in v.char_indices() {
        if (c == '#' || c == ';') && prev_blank {
            return v[..i].trim_end_matches(is_blank);
        }
        prev_blank = c.is_whitespace();
    }
    v.trim_end_matches(is_blank)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<LineKind> {
        Document::parse(s)
            .lines
            .into_iter()
            .map(|l| l.kind)
            .collect()
    }

    #[test]
    fn round_trips_odd_input() {
        for s in [
            "",
            "\n",
            "\r\n",
            "[a]",
            "[a]\r\nk = v\r\n",
            "\u{feff}[a]\nk=v",
            "x\r\r\n\n\n",
            "  [ default ] # c\n\tkey\t=\tval ; c\n",
            "\u{feff}",
        ] {
            assert_eq!(Document::parse(s).render(), s, "{s:?}");
        }
    }

    #[test]
    fn classifies() {
        let d = Document::parse("[ default ] # c\nk = sec#ret # c\nK=v;x\n  [p]\n=x\njunk\n");
        assert_eq!(d.lines[0].header_name(), Some(" default "));
        assert_eq!(d.lines[1].key(), Some("k"));
        assert_eq!(d.lines[1].value(), Some("sec#ret"));
        assert_eq!(d.lines[2].value(), Some("v;x"));
        assert_eq!(d.lines[3].header_name(), Some("p"));
        assert_eq!(d.lines[4].kind, LineKind::Other);
        assert_eq!(d.lines[5].kind, LineKind::Other);
    }

    #[test]
    fn nested_blocks() {
        let k = kinds(
            "[a]\ns3 =\n  max_concurrent_requests = 10\n  # c\n  x = y\nregion = r\n  ind = 1\n",
        );
        assert!(matches!(k[1], LineKind::Property { .. }));
        assert_eq!(k[2], LineKind::Nested);
        assert_eq!(k[3], LineKind::Comment);
        assert_eq!(k[4], LineKind::Nested);
        assert!(matches!(k[5], LineKind::Property { .. }));
        // after a property with a value, an indented line is an ordinary property
        assert!(matches!(k[6], LineKind::Property { .. }));
    }

    #[test]
    fn broken_headers_are_other() {
        for s in ["[]", "[a", "[a]b", "[a[b]"] {
            assert_eq!(kinds(s)[0], LineKind::Other, "{s}");
        }
        assert!(matches!(kinds("[a];c")[0], LineKind::Header { .. }));
    }
}
