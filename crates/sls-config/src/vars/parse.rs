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

    /// One character in the current state: v3's `switch (state)`, one method per state.
    fn step(&mut self, ch: char) -> Result<(), SyntaxError> {
        match self.state {
            St::Out => self.outside_variable(ch),
            St::EscapeVar => self.after_backslash(ch),
            St::EscapeVarDollar => self.after_escaped_dollar(ch),
            St::MaybeVariableOpen => self.after_dollar(ch),
            St::MaybeTypeStart => self.at_type_start(ch)?,
            St::MaybeNextSourceStart => self.at_source_start(ch)?,
            St::MaybeType => self.in_type(ch)?,
            St::TypeOrSourceLiteral => self.in_type_or_literal(ch)?,
            St::ParamStart => self.at_param_start(ch)?,
            St::Param => self.in_param(ch)?,
            St::AfterParamString => self.after_param_string(ch)?,
            St::MaybeAddressOpen => self.before_address(ch)?,
            St::MaybeAddressStart => self.at_address_start(ch)?,
            St::Address => self.in_address(ch),
            St::AfterAddressString => self.after_address_string(ch)?,
            St::AfterSourceLiteralString => self.after_source_literal_string(ch)?,
            St::Foreign => self.in_foreign(ch),
            St::EscapeString | St::DoubleQuotedString | St::SingleQuotedString => {
                self.in_string(ch)
            }
        }
        Ok(())
    }

    /// v3's wording for a syntax error at `at`: `Invalid variable <what> at index …`.
    fn invalid(&self, what: &str, at: usize) -> SyntaxError {
        self.err(format!(
            "Invalid variable {what} at index {at} in \"{}\"",
            self.text()
        ))
    }

    /// Plain text: a backslash may start an escape, a `$` may start a variable.
    fn outside_variable(&mut self, ch: char) {
        if ch == '\\' {
            if self.escape_var_start.is_none() {
                self.escape_var_start = Some(self.index);
            }
            self.state = St::EscapeVar;
        } else if ch == '$' {
            self.variable_start = self.index;
            self.state = St::MaybeVariableOpen;
        } else {
            self.escape_var_start = None;
        }
    }

    /// After `\` (or a run of them): `\$` may become an escaped `${`.
    fn after_backslash(&mut self, ch: char) {
        if ch == '$' {
            self.state = St::EscapeVarDollar;
        } else {
            if ch != '\\' {
                self.escape_var_start = None;
            }
            self.state = St::Out;
        }
    }

    /// After `\$`: a `{` completes the escape; anything else is plain text again.
    fn after_escaped_dollar(&mut self, ch: char) {
        if ch == '{' {
            self.register_var_escape();
            self.state = St::Out;
            return;
        }
        self.escape_var_start = None;
        self.state = St::Out;
        self.outside_variable(ch);
    }

    /// After `$`: a `{` opens a variable (ending any run of backslashes before the `$`).
    fn after_dollar(&mut self, ch: char) {
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

    /// After `${`: a lowercase letter starts a source type; anything else is a foreign `${…}`
    /// (CloudFormation's `${AWS::Region}`), an error inside a variable.
    fn at_type_start(&mut self, ch: char) -> Result<(), SyntaxError> {
        if is_alpha(ch) {
            self.source_start = self.index;
            self.state = St::MaybeType;
        } else if self.in_non_foreign_context() {
            return Err(self.invalid("type", self.index));
        } else {
            self.leave_as_foreign(ch);
        }
        Ok(())
    }

    /// Not a variable after all: skip to its `}`, minding nested `${`.
    fn leave_as_foreign(&mut self, ch: char) {
        if ch == '}' {
            self.release_context();
        } else {
            self.state = St::Foreign;
            if ch == '$' {
                self.register_context(None);
            }
        }
    }

    /// After a `,` between sources: a type, a literal (number, `true`, …) or a quoted string.
    fn at_source_start(&mut self, ch: char) -> Result<(), SyntaxError> {
        if ch == ' ' {
            return Ok(());
        }
        self.source_start = self.index;
        if is_alnum(ch) {
            self.state = St::TypeOrSourceLiteral;
        } else if !self.open_string(ch, St::AfterSourceLiteralString) {
            return Err(self.invalid("source", self.index));
        }
        Ok(())
    }

    /// In the first source's type: `:` or `(` ends it.
    fn in_type(&mut self, ch: char) -> Result<(), SyntaxError> {
        if ch == ':' || ch == '(' {
            let kind = self.slice(self.source_start, self.index);
            self.start_source(kind, ch == '(');
        } else if !is_alnum(ch) {
            if self.in_non_foreign_context() {
                return Err(self.invalid("type", self.source_start));
            }
            self.leave_as_foreign(ch);
        }
        Ok(())
    }

    /// In a later source: a type if `:` or `(` follows, else a literal up to `}`.
    fn in_type_or_literal(&mut self, ch: char) -> Result<(), SyntaxError> {
        if ch == ' ' {
            return Ok(());
        }
        if ch == ':' || ch == '(' {
            let kind = self.slice(self.source_start, self.index);
            if !is_type(&kind) {
                return Err(self.invalid("source", self.source_start));
            }
            self.start_source(kind, ch == '(');
        } else if ch == '}' {
            let literal = self.slice(self.source_start, self.index);
            let value = self.parse_literal_source(literal.trim(), false)?;
            self.end_with_literal_source(value);
        } else if !is_alnum(ch) {
            return Err(self.invalid("source", self.source_start));
        }
        Ok(())
    }

    /// A source of type `kind`; its params follow when `with_params` (after `(`).
    fn start_source(&mut self, kind: String, with_params: bool) {
        self.current_source = Some(PSource {
            kind: Some(kind),
            params: with_params.then(Vec::new),
            address: None,
            value: Value::Null,
        });
        self.state = if with_params {
            St::ParamStart
        } else {
            St::MaybeAddressStart
        };
    }

    /// A literal fallback (`'dev'`, `3`) is the last source: the variable ends here.
    fn end_with_literal_source(&mut self, value: Value) {
        self.current_source = Some(PSource {
            kind: None,
            params: None,
            address: None,
            value,
        });
        self.finalize_variable();
    }

    /// Opens a quoted string at a `"` or `'`, to continue in `after` past its closing quote.
    fn open_string(&mut self, ch: char, after: St) -> bool {
        let state = match ch {
            '"' => St::DoubleQuotedString,
            '\'' => St::SingleQuotedString,
            _ => return false,
        };
        self.string_context = after;
        self.state = state;
        true
    }

    /// Unquoted param or address text from here, which may hold nested variables.
    fn open_unquoted(&mut self, state: St, start: usize, ch: char) {
        self.state = state;
        self.context_variables = None;
        if ch == '$' {
            self.register_context(Some(start));
        }
    }

    /// After `(` or a `,` between params.
    fn at_param_start(&mut self, ch: char) -> Result<(), SyntaxError> {
        match ch {
            ' ' => {}
            ')' => self.state = St::MaybeAddressOpen,
            // An empty param.
            ',' => self.push_param(PMeta {
                value: Value::Null,
                vars: None,
            }),
            '}' => return Err(self.invalid("param", self.index)),
            _ => {
                self.param_start = self.index;
                if !self.open_string(ch, St::AfterParamString) {
                    self.open_unquoted(St::Param, self.param_start, ch);
                }
            }
        }
        Ok(())
    }

    /// In an unquoted param: `)` or `,` ends it.
    fn in_param(&mut self, ch: char) -> Result<(), SyntaxError> {
        match ch {
            ')' | ',' => {
                let raw = self.slice(self.param_start, self.index).trim().to_string();
                if ch == ',' || !raw.is_empty() {
                    let meta = self.unquoted_param(raw)?;
                    self.push_param(meta);
                }
                self.after_param(ch);
            }
            '}' => return Err(self.invalid("param", self.param_start)),
            '$' => self.register_context(Some(self.param_start)),
            _ => {}
        }
        Ok(())
    }

    /// An unquoted param's value: a literal when it holds no variables, else its text.
    fn unquoted_param(&self, raw: String) -> Result<PMeta, SyntaxError> {
        if self.context_variables.is_some() {
            return Ok(self.generate_meta(raw, self.context_variables));
        }
        Ok(match self.parse_literal_source(&raw, true)? {
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
        })
    }

    fn push_param(&mut self, meta: PMeta) {
        if let Some(p) = self.cur_params() {
            p.push(meta);
        }
    }

    /// `)` closes the params, `,` starts the next one.
    fn after_param(&mut self, ch: char) {
        self.state = if ch == ')' {
            St::MaybeAddressOpen
        } else {
            St::ParamStart
        };
    }

    /// After a quoted param: only spaces, then `)` or `,`.
    fn after_param_string(&mut self, ch: char) -> Result<(), SyntaxError> {
        match ch {
            ' ' => {}
            ')' | ',' => {
                let value = self.parse_string(self.param_start)?;
                self.push_param(PMeta { value, vars: None });
                self.after_param(ch);
            }
            _ => return Err(self.invalid("param", self.param_start)),
        }
        Ok(())
    }

    /// `}` ends the variable, `,` the source (the next one follows).
    fn end_source(&mut self, ch: char) {
        if ch == '}' {
            self.finalize_variable();
        } else {
            self.finalize_source();
        }
    }

    /// After the params' `)`: `:` opens the address, or the source ends.
    fn before_address(&mut self, ch: char) -> Result<(), SyntaxError> {
        match ch {
            ' ' => {}
            ':' => self.state = St::MaybeAddressStart,
            '}' | ',' => self.end_source(ch),
            _ => return Err(self.invalid("address", self.index)),
        }
        Ok(())
    }

    /// After `type:`: the address (quoted or not), or an empty one.
    fn at_address_start(&mut self, ch: char) -> Result<(), SyntaxError> {
        match ch {
            ' ' => {}
            '}' | ',' => self.end_source(ch),
            _ => {
                self.address_start = self.index;
                if ch == ':' {
                    self.double_colon()?;
                } else if !self.open_string(ch, St::AfterAddressString) {
                    self.open_unquoted(St::Address, self.address_start, ch);
                }
            }
        }
        Ok(())
    }

    /// `${name::…}` is CloudFormation's (`${AWS::Region}`), not a variable, unless it is inside
    /// one or the source had params.
    fn double_colon(&mut self) -> Result<(), SyntaxError> {
        let has_params = self
            .current_source
            .as_ref()
            .is_some_and(|s| s.params.is_some());
        if has_params || self.in_non_foreign_context() {
            return Err(self.invalid("address", self.address_start));
        }
        self.current_source = None;
        self.state = St::Foreign;
        Ok(())
    }

    /// In an unquoted address: `}` or `,` ends it.
    fn in_address(&mut self, ch: char) {
        match ch {
            '}' | ',' => {
                let raw = self
                    .slice(self.address_start, self.index)
                    .trim()
                    .to_string();
                let meta = self.generate_meta(raw, self.context_variables);
                self.set_address(meta);
                self.end_source(ch);
            }
            '$' => self.register_context(Some(self.address_start)),
            _ => {}
        }
    }

    fn set_address(&mut self, meta: PMeta) {
        if let Some(cs) = self.current_source.as_mut() {
            cs.address = Some(meta);
        }
    }

    /// After a quoted address: only spaces, then `}` or `,`.
    fn after_address_string(&mut self, ch: char) -> Result<(), SyntaxError> {
        match ch {
            ' ' => {}
            '}' | ',' => {
                let value = self.parse_string(self.address_start)?;
                self.set_address(PMeta { value, vars: None });
                self.end_source(ch);
            }
            _ => return Err(self.invalid("address", self.address_start)),
        }
        Ok(())
    }

    /// After a quoted literal source: only spaces, then the variable's `}`.
    fn after_source_literal_string(&mut self, ch: char) -> Result<(), SyntaxError> {
        match ch {
            ' ' => {}
            '}' => {
                let value = self.parse_string(self.source_start)?;
                self.end_with_literal_source(value);
            }
            _ => return Err(self.invalid("source", self.source_start)),
        }
        Ok(())
    }

    /// Inside a foreign `${…}`: up to its `}`, minding nested `${`.
    fn in_foreign(&mut self, ch: char) {
        if ch == '}' {
            self.release_context();
        } else if ch == '$' {
            self.register_context(None);
        }
    }

    /// Inside a quoted string (after a backslash in a double-quoted one for `EscapeString`).
    fn in_string(&mut self, ch: char) {
        self.state = match (self.state, ch) {
            (St::EscapeString, _) => St::DoubleQuotedString,
            (St::DoubleQuotedString, '"') | (St::SingleQuotedString, '\'') => self.string_context,
            (St::DoubleQuotedString, '\\') => St::EscapeString,
            (state, _) => state,
        };
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
