//! The one error type of this crate. `Display` is the whole user-facing message (what went
//! wrong, where, and what to do), worded like Serverless v3 where v3 has a message.

use std::path::PathBuf;

/// Everything that can go wrong while finding, reading, resolving or printing a service file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// `serverless.js` / `.ts` / `.mjs` / `.cjs`: sls reads only YAML and JSON.
    #[error("Cannot load \"{name}\": JavaScript and TypeScript service files are not supported by sls. Convert it to serverless.yml (or serverless.json): print it with the Serverless Framework (`serverless print > serverless.yml`) or rewrite it by hand.")]
    UnsupportedFormat { name: String, path: PathBuf },

    /// A `--config` value that cannot be used.
    #[error("Invalid \"--config\" value: {message}")]
    InvalidConfigOption { message: String },

    /// The file could not be read.
    #[error("Cannot parse \"{name}\": {message}")]
    Read { name: String, message: String },

    /// YAML or JSON syntax error, with its position.
    #[error("Cannot parse \"{name}\": {message} (line {line}, column {column})")]
    Syntax {
        name: String,
        message: String,
        line: usize,
        column: usize,
    },

    /// The file holds something other than a mapping at the top.
    #[error("Invalid configuration at \"{name}\": Plain object expected")]
    NotAnObject { name: String },

    /// Variable resolution failed; one entry per distinct problem, v3's wording.
    /// (v3 joins the lines with a comma, an artefact of JS array-to-string; kept verbatim.)
    #[error("Cannot resolve {name}: Variables resolution errored with:{}", .errors.iter().map(|e| format!("\n  - {e}")).collect::<Vec<_>>().join(","))]
    Variables {
        name: String,
        errors: Vec<String>,
        /// What to do, from the sources that said (AWS errors), each once.
        hints: Vec<String>,
    },

    /// A property that must be known early depends on variables that cannot be resolved yet
    /// (e.g. `provider.region: ${ssm:…}`, or `provider.stage: ${param:…}`).
    #[error("Cannot resolve {name}: \"{property}\" property is not accessible (configured behind variables which cannot be resolved at this stage)")]
    Inaccessible { name: String, property: String },

    /// Variables whose source nobody knows (`${foo:bar}`).
    #[error("Unrecognized configuration variable sources: \"{}\"", .sources.join("\", \""))]
    UnrecognizedSources { sources: Vec<String> },

    /// The stage is not usable in resource names.
    #[error("Invalid stage \"{stage}\" (from {origin}): a stage may contain only letters, digits and hyphens (^[a-zA-Z0-9-]+$). Use e.g. --stage dev")]
    InvalidStage { stage: String, origin: String },

    /// The configuration breaks a rule v3 enforces (e.g. `"service" property is missing in
    /// serverless.yml`).
    #[error("{message}")]
    Invalid { message: String },

    /// `sls print` argument problems.
    #[error("{message}")]
    Print { message: String },
}

impl sls_hint::Hint for ConfigError {
    fn hint(&self) -> Option<std::borrow::Cow<'_, str>> {
        match self {
            ConfigError::Variables { hints, .. } if !hints.is_empty() => {
                Some(std::borrow::Cow::Owned(hints.join("\n")))
            }
            _ => None,
        }
    }
}
