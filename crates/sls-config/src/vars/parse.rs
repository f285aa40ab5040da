//! The variable syntax parser: a string → a list of variable nodes (the AST).
//!
//! This is a faithful port of Serverless v3's `lib/configuration/variables/parse.js` state
//! machine, so that what counts as a variable (and what is left alone, such as CloudFormation's
//! `${AWS::Region}` inside `!Sub`) and every syntax error message are the same. Positions are
//! counted in `char`s (v3 counts UTF-16 units; they differ only for astral characters).
//!
//! The parser never panics: every index access is checked, and the property test in
//! `tests/it/parser_props.rs` feeds it arbitrary strings.

use serde_json::Value;

/// A parsed value: a literal (string, number, bool or null) or a string holding variables.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    /// The literal value, or the raw text when `variables` is set (`null` for an empty text).
    pub value: Value,
    /// Variables found in `value` (a string), if any.
    pub variables: Option<Vec<Var>>,
}

/// One `${…}` occurrence (or one escape sequence) in a string.
#[derive(Debug, Clone, PartialEq)]
pub struct Var {
    /// Char range in the host string; `None` when the variable spans the whole string, in which
    /// case its resolved value replaces the string and keeps its type.
    pub span: Option<(usize, usize)>,
    /// Sources in fallback order; `None` for escapes (their text is in `value`).
    pub sources: Option<Vec<Source>>,
    /// Literal text for escapes (`\${` → `${`).
    pub value: Option<Value>,
}

/// One source of a variable: `type(params):address`, or a literal fallback.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// Source name (`self`, `opt`, `file`, …); `None` for a literal fallback.
    pub kind: Option<String>,
    /// `file(./a.yml)`-style parameters.
    pub params: Option<Vec<Meta>>,
    /// The part after `:`.
    pub address: Option<Meta>,
    /// Literal fallback value (when `kind` is `None`).
    pub value: Value,
}

/// A syntax error, with v3's wording (without the property prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError(pub String);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum St {
    Out,
    EscapeVar,
    EscapeVarDollar,
    MaybeVariableOpen,
    MaybeTypeStart,
    MaybeNextSourceStart,
    MaybeType,
    TypeOrSourceLiteral,
    ParamStart,
    Param,
    AfterParamString,
    MaybeAddressOpen,
    MaybeAddressStart,
    Address,
    AfterAddressString,
    AfterSourceLiteralString,
    Foreign,
    EscapeString,
    DoubleQuotedString,
    SingleQuotedString,
}

/// A source under construction; params/address may refer to variable lists in the arena.
#[derive(Debug, Clone)]
struct PSource {
    kind: Option<String>,
    params: Option<Vec<PMeta>>,
    address: Option<PMeta>,
    value: Value,
}

#[derive(Debug, Clone)]
struct PMeta {
    value: Value,
    vars: Option<usize>,
}

#[derive(Debug, Clone)]
enum PVar {
    Var {
        start: usize,
        end: usize,
        sources: Vec<PSource>,
    },
    Escape {
        start: usize,
        end: usize,
        value: String,
    },
}

struct Ctx {
    state: St,
    variable_start: usize,
    context_start: usize,
    variables: Option<usize>,
    context_variables: Option<usize>,
    current_source: Option<PSource>,
    sources: Option<Vec<PSource>>,
}

/// Parser state. v3 keeps these in module globals; the arena stands in for shared JS arrays.
struct P<'a> {
    v: &'a [char],
    index: usize,
    state: St,
    string_context: St,
    arena: Vec<Vec<PVar>>,
    variables: Option<usize>,
    sources: Option<Vec<PSource>>,
    contexts: Vec<Ctx>,
    current_source: Option<PSource>,
    context_start: usize,
    context_variables: Option<usize>,
    escape_var_start: Option<usize>,
    variable_start: usize,
    source_start: usize,
    param_start: usize,
    address_start: usize,
}

fn is_alpha(c: char) -> bool {
    c.is_ascii_lowercase()
}
fn is_alnum(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '.' || c == '-'
}
/// v3: `/^[a-z][a-zA-Z0-9]*$/`
fn is_type(s: &str) -> bool {
    let mut it = s.chars();
    matches!(it.next(), Some(c) if c.is_ascii_lowercase()) && it.all(|c| c.is_ascii_alphanumeric())
}

impl<'a> P<'a> {
    fn slice(&self, a: usize, b: usize) -> String {
        let b = b.min(self.v.len());
        if a >= b {
            return String::new();
        }
        self.v[a..b].iter().collect()
    }
    fn text(&self) -> String {
        self.v.iter().collect()
    }
    fn err(&self, msg: String) -> SyntaxError {
        SyntaxError(msg)
    }
    fn new_list(&mut self) -> usize {
        self.arena.push(Vec::new());
        self.arena.len() - 1
    }
    fn push_var(&mut self, var: PVar) {
        let id = match self.variables {
            Some(id) => id,
            None => {
                let id = self.new_list();
                self.variables = Some(id);
                id
            }
        };
        if let Some(list) = self.arena.get_mut(id) {
            list.push(var);
        }
    }

    fn finalize_source(&mut self) {
        if let Some(cs) = self.current_source.take() {
            self.sources.get_or_insert_with(Vec::new).push(cs);
        }
        self.state = St::MaybeNextSourceStart;
    }

    fn finalize_variable(&mut self) {
        self.finalize_source();
        let sources = self.sources.take().unwrap_or_default();
        let var = PVar::Var {
            start: self.variable_start.saturating_sub(self.context_start),
            end: (self.index + 1).saturating_sub(self.context_start),
            sources,
        };
        self.push_var(var);
        self.release_context();
    }

    fn escape_prefix(&self) -> String {
        let start = self.escape_var_start.unwrap_or(0) as i64;
        // Math.ceil((index - 1 - escapeVarStart - 1) / 2)
        let n = (self.index as i64 - 1 - start - 1) as f64 / 2.0;
        let n = n.ceil().max(0.0) as usize;
        "\\".repeat(n)
    }

    fn register_var_escape(&mut self) {
        let mut value = self.escape_prefix();
        if let Some(c) = self.index.checked_sub(1).and_then(|i| self.v.get(i)) {
            value.push(*c);
        }
        let var = PVar::Escape {
            start: self
                .escape_var_start
                .unwrap_or(0)
                .saturating_sub(self.context_start),
            end: self.index.saturating_sub(self.context_start),
            value,
        };
        self.push_var(var);
        self.escape_var_start = None;
    }

    fn register_slash_escape(&mut self) {
        let value = self.escape_prefix();
        let var = PVar::Escape {
            start: self
                .escape_var_start
                .unwrap_or(0)
                .saturating_sub(self.context_start),
            end: self
                .index
                .saturating_sub(1)
                .saturating_sub(self.context_start),
            value,
        };
        self.push_var(var);
        self.escape_var_start = None;
    }

    /// `registerContext(newContextStart = contextStart)`; `None` means the default.
    fn register_context(&mut self, new_context_start: Option<usize>) {
        let new_start = new_context_start.unwrap_or(self.context_start);
        if self.variables.is_none() {
            let id = self.new_list();
            self.variables = Some(id);
        }
        // JS truthiness: a start of 0 does not open a new context.
        if new_start != 0 && self.context_variables.is_none() {
            let id = self.new_list();
            self.context_variables = Some(id);
        }
        self.contexts.push(Ctx {
            state: self.state,
            variable_start: self.variable_start,
            context_start: self.context_start,
            variables: self.variables,
            context_variables: self.context_variables,
            current_source: self.current_source.take(),
            sources: self.sources.take(),
        });
        self.state = St::MaybeVariableOpen;
        self.variable_start = self.index;
        if new_start != 0 {
            self.context_start = new_start;
            self.variables = self.context_variables;
        }
    }

    fn release_context(&mut self) {
        let Some(ctx) = self.contexts.pop() else {
            self.state = St::Out;
            return;
        };
        self.state = ctx.state;
        self.variable_start = ctx.variable_start;
        self.variables = ctx.variables;
        self.context_variables = ctx.context_variables;
        self.current_source = ctx.current_source;
        self.sources = ctx.sources;
        if self.state == St::Param {
            self.param_start = self.context_start;
        }
        if self.state == St::Address {
            self.address_start = self.context_start;
        }
        self.context_start = ctx.context_start;
    }

    fn in_non_foreign_context(&self) -> bool {
        self.contexts.iter().any(|c| c.state != St::Foreign)
    }

    fn parse_string(&self, start: usize) -> Result<Value, SyntaxError> {
        let raw = self.slice(start, self.index);
        if self.v.get(start) == Some(&'\'') {
            let t = raw.trim();
            let inner: String = {
                let cs: Vec<char> = t.chars().collect();
                if cs.len() >= 2 {
                    cs[1..cs.len() - 1].iter().collect()
                } else {
                    String::new()
                }
            };
            return Ok(Value::String(inner));
        }
        match serde_json::from_str::<Value>(&raw) {
            Ok(v) => Ok(v),
            Err(e) => Err(self.err(format!(
                "Invalid string literal at index {start} in \"{}\": {e}",
                self.text()
            ))),
        }
    }

    fn parse_literal_source(
        &self,
        literal: &str,
        fallback_to_input: bool,
    ) -> Result<Value, SyntaxError> {
        match literal {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            "null" => Ok(Value::Null),
            _ => {
                if let Some(n) = crate::jsval::js_number(literal) {
                    return Ok(crate::jsval::number_value(n));
                }
                if fallback_to_input {
                    return Ok(Value::String(literal.to_string()));
                }
                Err(self.err(format!(
                    "Invalid literal source \"{literal}\" at index {} in \"{}\"",
                    self.source_start,
                    self.text()
                )))
            }
        }
    }

    fn generate_meta(&self, value: String, vars: Option<usize>) -> PMeta {
        let value = if value.is_empty() {
            Value::Null
        } else {
            Value::String(value)
        };
        let vars = vars.filter(|id| self.arena.get(*id).is_some_and(|l| !l.is_empty()));
        PMeta { value, vars }
    }

    fn cur_params(&mut self) -> Option<&mut Vec<PMeta>> {
        self.current_source.as_mut().and_then(|s| s.params.as_mut())
    }

    fn run(&mut self) -> Result<(), SyntaxError> {
        while let Some(&ch) = self.v.get(self.index) {
            self.step(ch)?;
            self.index += 1;
        }
        if self.current_source.is_some() || self.sources.is_some() {
            return Err(self.err(format!(
                "Missing variable closing bracket in {}",
                self.text()
            )));
        }
        Ok(())
    }

    fn step(&mut self, ch: char) -> Result<(), SyntaxError> {
        let index = self.index;
        match self.state {
            St::Out => {
                if ch == '\\' {
                    if self.escape_var_start.is_none() {
                        self.escape_var_start = Some(index);
                    }
                    self.state = St::EscapeVar;
                } else if ch == '$' {
                    self.variable_start = index;
                    self.state = St::MaybeVariableOpen;
                } else {
                    self.escape_var_start = None;
                }
            }
            St::EscapeVar => {
                if ch == '$' {
                    self.state = St::EscapeVarDollar;
                } else {
                    if ch != '\\' {
                        self.escape_var_start = None;
                    }
                    self.state = St::Out;
                }
            }
            St::EscapeVarDollar => {
                if ch == '{' {
                    self.register_var_escape();
                    self.state = St::Out;
                } else {
                    self.escape_var_start = None;
                    if ch == '\\' {
                        self.escape_var_start = Some(index);
                        self.state = St::EscapeVar;
                    } else if ch == '$' {
                        self.variable_start = index;
                        self.state = St::MaybeVariableOpen;
                    } else {
                        self.state = St::Out;
                    }
                }
            }
            St::MaybeVariableOpen => {
                if ch == '{' {
                    if self.escape_var_start.is_some() {
                        self.register_slash_escape();
                    }
                    self.state = St::MaybeTypeStart;
                } else {
                    self.escape_var_start = None;
                    if ch != '$' {
                        self.release_context();
                    }
                }
            }
            St::MaybeTypeStart => {
                if is_alpha(ch) {
                    self.source_start = index;
                    self.state = St::MaybeType;
                } else if self.in_non_foreign_context() {
                    return Err(self.err(format!(
                        "Invalid variable type at index {index} in \"{}\"",
                        self.text()
                    )));
                } else if ch == '}' {
                    self.release_context();
                } else {
                    self.state = St::Foreign;
                    if ch == '$' {
                        self.register_context(None);
                    }
                }
            }
            St::MaybeNextSourceStart => {
                if ch == ' ' {
                    return Ok(());
                }
                self.source_start = index;
                if is_alnum(ch) {
                    self.state = St::TypeOrSourceLiteral;
                } else if ch == '"' {
                    self.string_context = St::AfterSourceLiteralString;
                    self.state = St::DoubleQuotedString;
                } else if ch == '\'' {
                    self.string_context = St::AfterSourceLiteralString;
                    self.state = St::SingleQuotedString;
                } else {
                    return Err(self.err(format!(
                        "Invalid variable source at index {index} in \"{}\"",
                        self.text()
                    )));
                }
            }
            St::MaybeType => {
                if ch == ':' {
                    self.current_source = Some(PSource {
                        kind: Some(self.slice(self.source_start, index)),
                        params: None,
                        address: None,
                        value: Value::Null,
                    });
                    self.state = St::MaybeAddressStart;
                } else if ch == '(' {
                    self.current_source = Some(PSource {
                        kind: Some(self.slice(self.source_start, index)),
                        params: Some(Vec::new()),
                        address: None,
                        value: Value::Null,
                    });
                    self.state = St::ParamStart;
                } else if !is_alnum(ch) {
                    if self.in_non_foreign_context() {
                        return Err(self.err(format!(
                            "Invalid variable type at index {} in \"{}\"",
                            self.source_start,
                            self.text()
                        )));
                    }
                    if ch == '}' {
                        self.release_context();
                    } else {
                        self.state = St::Foreign;
                        if ch == '$' {
                            self.register_context(None);
                        }
                    }
                }
            }
            St::TypeOrSourceLiteral => {
                if ch == ' ' {
                    return Ok(());
                }
                if ch == ':' || ch == '(' {
                    let kind = self.slice(self.source_start, index);
                    if !is_type(&kind) {
                        return Err(self.err(format!(
                            "Invalid variable source at index {} in \"{}\"",
                            self.source_start,
                            self.text()
                        )));
                    }
                    let is_params = ch == '(';
                    self.current_source = Some(PSource {
                        kind: Some(kind),
                        params: if is_params { Some(Vec::new()) } else { None },
                        address: None,
                        value: Value::Null,
                    });
                    self.state = if is_params {
                        St::ParamStart
                    } else {
                        St::MaybeAddressStart
                    };
                } else if ch == '}' {
                    let lit = self.slice(self.source_start, index);
                    let value = self.parse_literal_source(lit.trim(), false)?;
                    self.current_source = Some(PSource {
                        kind: None,
                        params: None,
                        address: None,
                        value,
                    });
                    self.finalize_variable();
                } else if !is_alnum(ch) {
                    return Err(self.err(format!(
                        "Invalid variable source at index {} in \"{}\"",
                        self.source_start,
                        self.text()
                    )));
                }
            }
            St::ParamStart => {
                if ch == ' ' {
                    return Ok(());
                }
                if ch == ')' {
                    self.state = St::MaybeAddressOpen;
                } else if ch == ',' {
                    if let Some(p) = self.cur_params() {
                        p.push(PMeta {
                            value: Value::Null,
                            vars: None,
                        });
                    }
                } else if ch == '}' {
                    return Err(self.err(format!(
                        "Invalid variable param at index {index} in \"{}\"",
                        self.text()
                    )));
                } else {
                    self.param_start = index;
                    if ch == '"' {
                        self.string_context = St::AfterParamString;
                        self.state = St::DoubleQuotedString;
                    } else if ch == '\'' {
                        self.string_context = St::AfterParamString;
                        self.state = St::SingleQuotedString;
                    } else {
                        self.state = St::Param;
                        self.context_variables = None;
                        if ch == '$' {
                            self.register_context(Some(self.param_start));
                        }
                    }
                }
            }
            St::Param => {
                if ch == ')' || ch == ',' {
                    let raw = self.slice(self.param_start, index);
                    let raw = raw.trim().to_string();
                    if ch == ',' || !raw.is_empty() {
                        let meta = if self.context_variables.is_none() {
                            let v = self.parse_literal_source(&raw, true)?;
                            match v {
                                Value::String(s) => self.generate_meta(s, None),
                                // v3: `value: metaValue || null` drops falsy literals.
                                other => PMeta {
                                    value: if crate::jsval::is_truthy(&other) {
                                        other
                                    } else {
                                        Value::Null
                                    },
                                    vars: None,
                                },
                            }
                        } else {
                            self.generate_meta(raw, self.context_variables)
                        };
                        if let Some(p) = self.cur_params() {
                            p.push(meta);
                        }
                    }
                    self.state = if ch == ')' {
                        St::MaybeAddressOpen
                    } else {
                        St::ParamStart
                    };
                } else if ch == '}' {
                    return Err(self.err(format!(
                        "Invalid variable param at index {} in \"{}\"",
                        self.param_start,
                        self.text()
                    )));
                } else if ch == '$' {
                    self.register_context(Some(self.param_start));
                }
            }
            St::AfterParamString => {
                if ch == ' ' {
                    return Ok(());
                }
                if ch == ')' || ch == ',' {
                    let value = self.parse_string(self.param_start)?;
                    if let Some(p) = self.cur_params() {
                        p.push(PMeta { value, vars: None });
                    }
                    self.state = if ch == ')' {
                        St::MaybeAddressOpen
                    } else {
                        St::ParamStart
                    };
                } else {
                    return Err(self.err(format!(
                        "Invalid variable param at index {} in \"{}\"",
                        self.param_start,
                        self.text()
                    )));
                }
            }
            St::MaybeAddressOpen => {
                if ch == ' ' {
                    return Ok(());
                }
                if ch == ':' {
                    self.state = St::MaybeAddressStart;
                } else if ch == '}' {
                    self.finalize_variable();
                } else if ch == ',' {
                    self.finalize_source();
                } else {
                    return Err(self.err(format!(
                        "Invalid variable address at index {index} in \"{}\"",
                        self.text()
                    )));
                }
            }
            St::MaybeAddressStart => {
                if ch == ' ' {
                    return Ok(());
                }
                if ch == '}' {
                    self.finalize_variable();
                } else if ch == ',' {
                    self.finalize_source();
                } else {
                    self.address_start = index;
                    if ch == ':' {
                        let has_params = self
                            .current_source
                            .as_ref()
                            .is_some_and(|s| s.params.is_some());
                        if !has_params && !self.in_non_foreign_context() {
                            self.current_source = None;
                            self.state = St::Foreign;
                        } else {
                            return Err(self.err(format!(
                                "Invalid variable address at index {} in \"{}\"",
                                self.address_start,
                                self.text()
                            )));
                        }
                    } else if ch == '"' {
                        self.string_context = St::AfterAddressString;
                        self.state = St::DoubleQuotedString;
                    } else if ch == '\'' {
                        self.string_context = St::AfterAddressString;
                        self.state = St::SingleQuotedString;
                    } else {
                        self.state = St::Address;
                        self.context_variables = None;
                        if ch == '$' {
                            self.register_context(Some(self.address_start));
                        }
                    }
                }
            }
            St::Address => {
                if ch == '}' || ch == ',' {
                    let raw = self.slice(self.address_start, index).trim().to_string();
                    let meta = self.generate_meta(raw, self.context_variables);
                    if let Some(cs) = self.current_source.as_mut() {
                        cs.address = Some(meta);
                    }
                    if ch == '}' {
                        self.finalize_variable();
                    } else {
                        self.finalize_source();
                    }
                } else if ch == '$' {
                    self.register_context(Some(self.address_start));
                }
            }
            St::AfterAddressString => {
                if ch == ' ' {
                    return Ok(());
                }
                if ch == '}' || ch == ',' {
                    let value = self.parse_string(self.address_start)?;
                    if let Some(cs) = self.current_source.as_mut() {
                        cs.address = Some(PMeta { value, vars: None });
                    }
                    if ch == '}' {
                        self.finalize_variable();
                    } else {
                        self.finalize_source();
                    }
                } else {
                    return Err(self.err(format!(
                        "Invalid variable address at index {} in \"{}\"",
                        self.address_start,
                        self.text()
                    )));
                }
            }
            St::AfterSourceLiteralString => {
                if ch == ' ' {
                    return Ok(());
                }
                if ch == '}' {
                    let value = self.parse_string(self.source_start)?;
                    self.current_source = Some(PSource {
                        kind: None,
                        params: None,
                        address: None,
                        value,
                    });
                    self.finalize_variable();
                } else {
                    return Err(self.err(format!(
                        "Invalid variable source at index {} in \"{}\"",
                        self.source_start,
                        self.text()
                    )));
                }
            }
            St::Foreign => {
                if ch == '}' {
                    self.release_context();
                } else if ch == '$' {
                    self.register_context(None);
                }
            }
            St::EscapeString => self.state = St::DoubleQuotedString,
            St::DoubleQuotedString => {
                if ch == '"' {
                    self.state = self.string_context;
                } else if ch == '\\' {
                    self.state = St::EscapeString;
                }
            }
            St::SingleQuotedString => {
                if ch == '\'' {
                    self.state = self.string_context;
                }
            }
        }
        Ok(())
    }

    /// Turn arena lists into the public tree. `depth` guards against (impossible) cycles.
    fn build_list(&self, id: usize, host_len: usize, depth: usize) -> Option<Vec<Var>> {
        let list = self.arena.get(id)?;
        if list.is_empty() || depth > 64 {
            return None;
        }
        let mut out: Vec<Var> = list
            .iter()
            .map(|pv| match pv {
                PVar::Var {
                    start,
                    end,
                    sources,
                } => Var {
                    span: Some((*start, *end)),
                    sources: Some(
                        sources
                            .iter()
                            .map(|s| self.build_source(s, depth + 1))
                            .collect(),
                    ),
                    value: None,
                },
                PVar::Escape { start, end, value } => Var {
                    span: Some((*start, *end)),
                    sources: None,
                    value: Some(Value::String(value.clone())),
                },
            })
            .collect();
        // normalizeMetaVariables: a single variable covering the whole value loses its span.
        if out.len() == 1 {
            if let Some((0, end)) = out[0].span {
                if end == host_len {
                    out[0].span = None;
                }
            }
        }
        Some(out)
    }

    fn build_meta(&self, m: &PMeta, depth: usize) -> Meta {
        let host_len = match &m.value {
            Value::String(s) => s.chars().count(),
            _ => 0,
        };
        Meta {
            value: m.value.clone(),
            variables: m
                .vars
                .and_then(|id| self.build_list(id, host_len, depth + 1)),
        }
    }

    fn build_source(&self, s: &PSource, depth: usize) -> Source {
        Source {
            kind: s.kind.clone(),
            params: s
                .params
                .as_ref()
                .map(|ps| ps.iter().map(|p| self.build_meta(p, depth)).collect()),
            address: s.address.as_ref().map(|a| self.build_meta(a, depth)),
            value: s.value.clone(),
        }
    }
}

/// Parse a string for variables. `Ok(None)` when it holds none.
pub fn parse(input: &str) -> Result<Option<Vec<Var>>, SyntaxError> {
    // Fast path: no `${` means no variables and no escapes to process.
    if !input.contains("${") {
        return Ok(None);
    }
    let chars: Vec<char> = input.chars().collect();
    let mut p = P {
        v: &chars,
        index: 0,
        state: St::Out,
        string_context: St::Out,
        arena: Vec::new(),
        variables: None,
        sources: None,
        contexts: Vec::new(),
        current_source: None,
        context_start: 0,
        context_variables: None,
        escape_var_start: None,
        variable_start: 0,
        source_start: 0,
        param_start: 0,
        address_start: 0,
    };
    p.run()?;
    Ok(match p.variables {
        Some(id) => p.build_list(id, chars.len(), 0),
        None => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kinds(vars: &[Var]) -> Vec<Option<String>> {
        vars.iter()
            .map(|v| v.sources.as_ref().and_then(|s| s[0].kind.clone()))
            .collect()
    }

    #[test]
    fn whole_value_variable_has_no_span() {
        let v = parse("${self:custom.a}").unwrap().unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].span, None);
        let s = &v[0].sources.as_ref().unwrap()[0];
        assert_eq!(s.kind.as_deref(), Some("self"));
        assert_eq!(s.address.as_ref().unwrap().value, json!("custom.a"));
    }

    #[test]
    fn interpolation_and_fallbacks() {
        let v = parse("a-${opt:stage, 'dev'}-${env:X, 3}").unwrap().unwrap();
        assert_eq!(kinds(&v), vec![Some("opt".into()), Some("env".into())]);
        assert_eq!(v[0].span, Some((2, 21)));
        let s = v[0].sources.as_ref().unwrap();
        assert_eq!(s[1].kind, None);
        assert_eq!(s[1].value, json!("dev"));
        assert_eq!(v[1].sources.as_ref().unwrap()[1].value, json!(3));
    }

    #[test]
    fn nested_address() {
        let v = parse("${self:custom.${sls:stage}}").unwrap().unwrap();
        let addr = v[0].sources.as_ref().unwrap()[0].address.clone().unwrap();
        assert_eq!(addr.value, json!("custom.${sls:stage}"));
        let inner = addr.variables.unwrap();
        assert_eq!(inner[0].span, Some((7, 19)));
    }

    #[test]
    fn file_params() {
        let v = parse("${file(./a.yml):x.y}").unwrap().unwrap();
        let s = &v[0].sources.as_ref().unwrap()[0];
        assert_eq!(s.params.as_ref().unwrap()[0].value, json!("./a.yml"));
        assert_eq!(s.address.as_ref().unwrap().value, json!("x.y"));
    }

    #[test]
    fn foreign_and_cfn_are_left_alone() {
        assert_eq!(parse("arn:${AWS::Region}:${AWS::AccountId}").unwrap(), None);
        assert_eq!(parse("${myParam}").unwrap(), None);
        assert_eq!(parse("no vars").unwrap(), None);
    }

    #[test]
    fn escapes() {
        let v = parse("\\${self:x}").unwrap().unwrap();
        assert_eq!(v.len(), 1);
        assert!(v[0].sources.is_none());
        assert_eq!(v[0].value, Some(json!("$")));
    }

    #[test]
    fn errors() {
        assert!(parse("${self:").is_err());
        assert_eq!(parse("${foo}").unwrap(), None);
        assert_eq!(
            parse("${self:x, foo}").unwrap_err().0,
            "Invalid literal source \"foo\" at index 10 in \"${self:x, foo}\""
        );
        assert!(parse("${self:a, ${foo bar}}").is_err());
    }
}
