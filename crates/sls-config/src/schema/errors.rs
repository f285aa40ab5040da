//! v3's `normalize-ajv-errors`: drops the errors of `anyOf` variants the user clearly did not
//! mean (for function events, the event types other than the one configured), rewords the
//! rest (`unrecognized property 'x'`, `unsupported function event`, …), prefixes each with
//! `at 'a.b.c': ` and removes duplicates. Same steps, same order, so the messages match.

use std::collections::HashSet;

use super::ajv::AjvError;

/// `^/functions/[^/]+/events/\d+$`
fn is_event_type_path(p: &str) -> bool {
    let Some(rest) = p.strip_prefix("/functions/") else {
        return false;
    };
    let mut parts = rest.split('/');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some(f), Some("events"), Some(i), None)
            if !f.is_empty() && !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit())
    )
}

/// Errors with a "removed" mark, so that removal keeps the order of the rest.
struct ErrorSet {
    errors: Vec<AjvError>,
    live: Vec<bool>,
}

impl ErrorSet {
    fn live(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.errors.len()).filter(|&i| self.live[i])
    }
}

/// JS `_.groupBy` keeps first-seen key order.
fn group_by<K: PartialEq + Clone>(
    items: &[usize],
    key: impl Fn(usize) -> K,
) -> Vec<(K, Vec<usize>)> {
    let mut groups: Vec<(K, Vec<usize>)> = Vec::new();
    for &i in items {
        let k = key(i);
        match groups.iter_mut().find(|(g, _)| *g == k) {
            Some((_, v)) => v.push(i),
            None => groups.push((k, vec![i])),
        }
    }
    groups
}

fn filter_event_errors(set: &mut ErrorSet) {
    let event_errors: Vec<usize> = set
        .live()
        .filter(|&i| is_event_type_path(&set.errors[i].instance_path))
        .collect();
    let by_event = group_by(&event_errors, |i| set.errors[i].instance_path.clone());
    for (instance_path, errs) in by_event {
        let Some(no_match) = errs
            .iter()
            .copied()
            .find(|&i| matches!(set.errors[i].keyword, "anyOf" | "oneOf"))
        else {
            continue;
        };
        let root_path = set.errors[no_match].schema_path.clone();
        let by_type = group_by(&errs, |i| {
            let sp = &set.errors[i].schema_path;
            if *sp == root_path {
                return "root".to_string();
            }
            // schemaPath.slice(0, schemaPath.indexOf('/', root.length + 1) + 1)
            match sp.get(root_path.len() + 1..).and_then(|r| r.find('/')) {
                Some(j) => sp[..root_path.len() + 1 + j + 1].to_string(),
                None => String::new(),
            }
        });
        let by_type: Vec<(String, Vec<usize>)> =
            by_type.into_iter().filter(|(k, _)| k != "root").collect();
        let configured = by_type
            .iter()
            .find(|(_, e)| e.iter().all(|&i| set.errors[i].keyword != "required"));
        match configured {
            None => {
                let deeper = set.live().any(|i| {
                    let p = &set.errors[i].instance_path;
                    p.starts_with(&instance_path) && *p != instance_path
                });
                for &i in &errs {
                    if !deeper && i == no_match {
                        continue;
                    }
                    set.live[i] = false;
                }
            }
            Some((meaningful, _)) => {
                let meaningful = meaningful.clone();
                for i in 0..set.errors.len() {
                    if !set.live[i] {
                        continue;
                    }
                    let e = &set.errors[i];
                    if !e.instance_path.starts_with(&instance_path) {
                        continue;
                    }
                    if e.instance_path == instance_path && e.schema_path.starts_with(&meaningful) {
                        continue;
                    }
                    set.live[i] = false;
                }
            }
        }
    }
}

/// Positions of `/anyOf/<n>/`, `/oneOf/<n>/` or a trailing `/anyOf` in a schema path: the
/// prefixes up to and including `anyOf/` (v3's `oneOfPath`).
fn one_of_paths(sp: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(idx) = find_one_of(&sp[from..]) {
        let end = from + idx + "anyOf/".len();
        out.push(sp[..end.min(sp.len())].to_string());
        from = end;
        if from > sp.len() {
            break;
        }
    }
    out
}

/// `/\/(?:anyOf|oneOf)(?:\/\d+\/|$)/` search.
fn find_one_of(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(j) = s[i..].find('/') {
        let at = i + j;
        let rest = &s[at + 1..];
        for kw in ["anyOf", "oneOf"] {
            if let Some(after) = rest.strip_prefix(kw) {
                if after.is_empty() {
                    return Some(at);
                }
                if let Some(d) = after.strip_prefix('/') {
                    let digits = d.bytes().take_while(u8::is_ascii_digit).count();
                    if digits > 0 && d.as_bytes().get(digits) == Some(&b'/') {
                        return Some(at);
                    }
                }
            }
        }
        i = at + 1;
        if i >= b.len() {
            break;
        }
    }
    None
}

fn filter_any_of_errors(set: &mut ErrorSet) {
    // 1. Group errors by anyOf/oneOf schema path (first-seen order, like a JS object).
    let mut by_path: Vec<(String, Vec<usize>)> = Vec::new();
    for i in set.live().collect::<Vec<_>>() {
        for p in one_of_paths(&set.errors[i].schema_path) {
            match by_path.iter_mut().find(|(k, _)| *k == p) {
                Some((_, v)) => v.push(i),
                None => by_path.push((p, vec![i])),
            }
        }
    }
    for (one_of_path, mut errs) in by_path {
        if errs.len() == 1 {
            continue;
        }
        // A stable sort by instance path (localeCompare; plain order is close enough here).
        errs.sort_by(|&a, &b| {
            set.errors[a]
                .instance_path
                .cmp(&set.errors[b].instance_path)
        });
        // v3 groups with a callback that moves `current` along as it goes.
        let mut current = set.errors[errs[0]].instance_path.clone();
        let mut grouped: Vec<(String, Vec<usize>)> = Vec::new();
        for &i in &errs {
            let p = set.errors[i].instance_path.clone();
            if p != current && !p.starts_with(&format!("{current}/")) {
                current = p;
            }
            match grouped.iter_mut().find(|(k, _)| *k == current) {
                Some((_, v)) => v.push(i),
                None => grouped.push((current.clone(), vec![i])),
            }
        }
        for (_, group) in grouped {
            if group.len() == 1 {
                continue;
            }
            let from = one_of_path.len() + 1;
            let by_variant = group_by(&group, |i| {
                let sp = &set.errors[i].schema_path;
                if from > sp.len() {
                    return "root".to_string();
                }
                // schemaPath.slice(from, schemaPath.indexOf('/', from)); -1 → slice to end - 1
                match sp[from..].find('/') {
                    Some(j) => sp[from..from + j].to_string(),
                    None => sp[from..sp.len().saturating_sub(1).max(from)].to_string(),
                }
            });
            let Some(root) = by_variant.iter().find(|(k, _)| k == "root") else {
                continue;
            };
            let no_match = root.1[0];
            let mut variants: Vec<Vec<usize>> = by_variant
                .into_iter()
                .filter(|(k, _)| k != "root")
                .map(|(_, v)| v)
                .collect();
            if variants.is_empty() {
                continue;
            }
            if variants.len() > 1 {
                variants.retain(|v| {
                    let only_type = v.len() == 1 && set.errors[v[0]].keyword == "type" && {
                        let post = &set.errors[v[0]].schema_path[one_of_path.len()..];
                        is_any_of_type_postfix(post)
                    };
                    if only_type {
                        set.live[v[0]] = false;
                    }
                    !only_type
                });
                if variants.len() > 1 {
                    let depth = |i: usize| set.errors[i].instance_path.matches('/').count();
                    let deepest = variants
                        .iter()
                        .map(|v| v.iter().map(|&i| depth(i)).max().unwrap_or(0))
                        .max()
                        .unwrap_or(0);
                    variants.retain(|v| {
                        let d = v.iter().map(|&i| depth(i)).max().unwrap_or(0);
                        if d == deepest {
                            return true;
                        }
                        for &i in v {
                            set.live[i] = false;
                        }
                        false
                    });
                }
            }
            if variants.is_empty() {
                continue;
            }
            if variants.len() == 1 {
                set.live[no_match] = false;
                continue;
            }
            for v in &variants {
                let mut kinds: Vec<Option<String>> = Vec::new();
                for &i in v {
                    let k = set.errors[i].parent_kind.clone();
                    if !kinds.contains(&k) {
                        kinds.push(k);
                    }
                    set.live[i] = false;
                }
                if kinds.len() == 1 {
                    set.errors[no_match].common_type = Some(kinds.pop().unwrap_or(None));
                }
            }
        }
    }
}

/// `^/\d+/type$`
fn is_any_of_type_postfix(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('/') else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && &rest[digits..] == "/type"
}

fn instance_path_text(p: &str) -> String {
    if p.is_empty() {
        return "root".into();
    }
    format!("'{}'", p[1..].replace('/', "."))
}

fn improve_message(e: &mut AjvError) {
    match e.keyword {
        "additionalProperties" => {
            let prop = e.additional_property.clone().unwrap_or_default();
            e.message = if e.instance_path == "/functions" {
                format!("name '{prop}' must be alphanumeric")
            } else {
                format!("unrecognized property '{prop}'")
            };
        }
        "regexp" => {
            let data = e
                .data
                .as_ref()
                .and_then(crate::jsval::coerce_string)
                .unwrap_or_default();
            let schema = e.schema_text.clone().unwrap_or_default();
            e.message = format!("value '{data}' does not satisfy pattern {schema}");
        }
        "anyOf" if is_event_type_path(&e.instance_path) => {
            e.message = "unsupported function event".into();
        }
        "anyOf" | "oneOf" => {
            e.message = match &e.common_type {
                Some(Some(t)) if t == "const" => "unsupported value".into(),
                Some(Some(t)) => format!("unsupported {t} format"),
                _ => "unsupported configuration format".into(),
            };
        }
        "enum" if e.allowed_values.iter().all(|v| v.is_string()) => {
            let list: Vec<&str> = e.allowed_values.iter().filter_map(|v| v.as_str()).collect();
            e.message.push_str(&format!(" [{}]", list.join(", ")));
        }
        _ => {}
    }
    e.message = format!("at {}: {}", instance_path_text(&e.instance_path), e.message);
}

/// The messages v3 shows for these AJV errors, in order.
pub(crate) fn normalize(errors: Vec<AjvError>) -> Vec<String> {
    let live = vec![true; errors.len()];
    let mut set = ErrorSet { errors, live };
    filter_event_errors(&mut set);
    filter_any_of_errors(&mut set);
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for i in 0..set.errors.len() {
        if !set.live[i] {
            continue;
        }
        improve_message(&mut set.errors[i]);
        let m = set.errors[i].message.clone();
        if seen.insert(m.clone()) {
            out.push(m);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert!(is_event_type_path("/functions/hello/events/2"));
        assert!(!is_event_type_path("/functions/hello/events/2/sqs"));
        assert_eq!(
            one_of_paths("#/properties/a/anyOf/1/properties/b/anyOf"),
            vec![
                "#/properties/a/anyOf".to_string(),
                "#/properties/a/anyOf/1/properties/b/anyOf".to_string()
            ]
        );
        assert_eq!(instance_path_text("/provider/iam"), "'provider.iam'");
    }
}
