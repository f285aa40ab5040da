//! What to do about an error, said one way across the crates.
//!
//! An error says *what* went wrong and *where* in its `Display` (a sentence naming the file,
//! property path or variable); [`Hint::hint`] says *what to do*, apart from the message, so
//! the CLI can render both in one place (`Error: …` then `Hint: …`). Every library error that
//! reaches the user implements it: AWS failures, the credential chain, the build and deploy,
//! `invoke local`, the plugin host.

use std::borrow::Cow;

/// An error that can say what the user should do about it.
pub trait Hint: std::error::Error {
    /// What to do about it, when there is something useful to say.
    fn hint(&self) -> Option<Cow<'_, str>>;
}

/// The message with its causes, one per line, each once: what the CLI shows above the hint.
/// Causes already part of the message (errors that print their source) are not repeated.
pub fn message_with_causes(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str("\n  caused by: ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt;

    #[derive(Debug)]
    struct Outer(Inner);
    #[derive(Debug)]
    struct Inner(&'static str);
    impl fmt::Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("could not read serverless.yml")
        }
    }
    impl fmt::Display for Inner {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }
    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
    impl std::error::Error for Inner {}
    impl Hint for Outer {
        fn hint(&self) -> Option<Cow<'_, str>> {
            Some("Check the file's permissions.".into())
        }
    }

    #[test]
    fn causes_follow_the_message_once() {
        let e = Outer(Inner("permission denied"));
        assert_eq!(
            message_with_causes(&e),
            "could not read serverless.yml\n  caused by: permission denied"
        );
        let repeated = Outer(Inner("could not read"));
        assert_eq!(
            message_with_causes(&repeated),
            "could not read serverless.yml"
        );
        assert_eq!(e.hint().as_deref(), Some("Check the file's permissions."));
    }
}
