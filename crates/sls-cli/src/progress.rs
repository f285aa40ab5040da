//! Renders deploy progress: a spinner with the latest stack event on a
//! terminal, plain lines otherwise (CI logs, pipes).

use indicatif::{ProgressBar, ProgressStyle};
use sls_deploy::DeployEvent;

pub struct Progress {
    spinner: Option<ProgressBar>,
}

impl Progress {
    pub fn new(terminal: bool) -> Progress {
        let spinner = terminal.then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {elapsed:>3} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(100));
            bar
        });
        Progress { spinner }
    }

    pub fn event(&self, event: DeployEvent) {
        let line = match event {
            DeployEvent::Step(text) => text,
            DeployEvent::Upload { file, bytes } => format!("Uploading {file} ({bytes} bytes)"),
            DeployEvent::Stack {
                logical_id,
                resource_type,
                status,
                reason,
            } => match reason {
                Some(reason) => format!("{status} {resource_type} {logical_id}: {reason}"),
                None => format!("{status} {resource_type} {logical_id}"),
            },
        };
        match &self.spinner {
            Some(bar) => bar.set_message(line),
            None => eprintln!("  {line}"),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.spinner {
            bar.finish_and_clear();
        }
    }
}
