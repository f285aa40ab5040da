//! `sls sso login` and `sls sso logout`: sign in to IAM Identity Center
//! without the AWS CLI, into the AWS CLI's own token cache (sls-aws
//! `sso_login`). The profile is chosen as for every command (`--aws-profile`,
//! `AWS_<STAGE>_PROFILE`, `AWS_PROFILE`, `provider.profile`, `default`);
//! `--sso-session` names a session directly.
//!
//! The browser opens only when both stdin and stderr are terminals, no CI
//! variable is set and `--no-browser` is not given; otherwise the page and
//! the code are printed only. Nothing printed holds a token or a secret.

use std::time::SystemTime;

use sls_credentials::{Env, EnvExt};

use crate::cli::{SsoLoginArgs, SsoLogoutArgs};
use crate::error::{hinted, CliResult};
use crate::host::Host;
use crate::service::{self, CommandOptions};

pub fn login(args: &SsoLoginArgs, host: &Host) -> CliResult {
    let loaded = service::load(
        host,
        &args.service,
        args.config.config.as_deref(),
        CommandOptions::default(),
        false,
    )?;
    let selected = sls_credentials::selected_profile(
        &host.env,
        &loaded.phase1.stage,
        loaded.options.aws_profile.as_deref(),
        loaded.phase1.profile.as_deref(),
    );
    let profiles = sls_credentials::load_profiles(&host.env, &host.home, &host.cwd);
    let target =
        sls_credentials::sso_login_target(&profiles, &selected.name, args.sso_session.as_deref())
            .map_err(|e| {
            let from = if args.sso_session.is_some() {
                String::new()
            } else {
                format!(" (profile from {})", selected.from)
            };
            let mut error = hinted(&e);
            error.message.push_str(&from);
            error
        })?;
    let settings = crate::aws::settings_without_plan(
        host,
        &target.region,
        &profiles,
        target.profile.as_deref(),
    );
    let what = match &target.session_name {
        Some(s) => format!("sso-session \"{s}\""),
        None => format!(
            "profile \"{}\"",
            target.profile.as_deref().unwrap_or_default()
        ),
    };
    eprintln!(
        "Signing in to {} ({what}, {}).",
        target.start_url, target.region
    );
    let prompt = TerminalPrompt {
        open_browser: opens_browser(args.no_browser, host, &host.env),
        browser: host.env.non_empty("BROWSER").map(str::to_string),
    };
    let outcome = crate::aws::runtime()?
        .block_on(sls_aws::sso_login(
            &settings,
            &target,
            &prompt,
            &sls_aws::LoginClock::system(),
        ))
        .map_err(|e| hinted(&e))?;
    let expires = sls_aws::time::format_rfc3339(outcome.expires_at);
    println!(
        "Signed in to {} ({what}). Token saved to {}; it expires at {expires}{}.",
        target.start_url,
        outcome.token_file.display(),
        if outcome.refreshable {
            " and is refreshed automatically until the session ends"
        } else {
            ""
        }
    );
    Ok(())
}

pub fn logout(_args: &SsoLogoutArgs, host: &Host) -> CliResult {
    let profiles = sls_credentials::load_profiles(&host.env, &host.home, &host.cwd);
    let settings = crate::aws::settings_without_plan(host, "us-east-1", &profiles, None);
    let outcome = crate::aws::runtime()?
        .block_on(sls_aws::sso_logout(&settings))
        .map_err(|e| hinted(&e))?;
    if outcome.tokens_removed.is_empty() && outcome.credentials_removed.is_empty() {
        println!(
            "No cached SSO tokens in {}.",
            sls_aws::sso_cache_dir(&host.home).display()
        );
        return Ok(());
    }
    let n = outcome.tokens_removed.len();
    let c = outcome.credentials_removed.len();
    println!(
        "Signed out: removed {n} SSO token{} from {} ({} revoked at the portal) and {c} cached \
         SSO role credential file{} from {}.",
        plural(n),
        sls_aws::sso_cache_dir(&host.home).display(),
        outcome.revoked,
        plural(c),
        sls_aws::cli_cache_dir(&host.home).display(),
    );
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Whether `sls sso login` opens a browser: only for a person at a terminal.
fn opens_browser(no_browser: bool, host: &Host, env: &Env) -> bool {
    !no_browser && host.stdin_is_terminal && host.stderr_is_terminal && !is_ci(env)
}

/// The variables CI systems set (GitHub Actions, GitLab, CircleCI, Travis, Buildkite,
/// Jenkins, Azure Pipelines, CodeBuild, and the generic `CI`).
fn is_ci(env: &Env) -> bool {
    let set = |name: &str| {
        env.non_empty(name)
            .is_some_and(|v| v != "0" && !v.eq_ignore_ascii_case("false"))
    };
    [
        "CI",
        "CONTINUOUS_INTEGRATION",
        "GITHUB_ACTIONS",
        "GITLAB_CI",
        "BUILDKITE",
        "JENKINS_URL",
        "TF_BUILD",
        "CODEBUILD_BUILD_ID",
    ]
    .iter()
    .any(|n| set(n))
}

/// Prints the page and the code on stderr, and opens the browser when allowed.
struct TerminalPrompt {
    open_browser: bool,
    /// `BROWSER` (a command, `%s` for the URL), else the system's opener.
    browser: Option<String>,
}

impl sls_aws::LoginPrompt for TerminalPrompt {
    fn show(&self, auth: &sls_aws::DeviceAuthorization) {
        let minutes = auth.expires_in.as_secs().div_ceil(60);
        let mut text = String::new();
        if self.open_browser {
            text.push_str(
                "Opening the sign-in page in your browser. If it does not open, or to sign in on \
                 another device, open:\n",
            );
        } else {
            text.push_str("Open this page in a browser (on any device) to sign in:\n");
        }
        text.push_str(&format!(
            "\n    {}\n\nand enter the code:\n\n    {}\n",
            auth.verification_uri, auth.user_code
        ));
        if !self.open_browser && auth.verification_uri_complete != auth.verification_uri {
            text.push_str(&format!(
                "\nOr open this page, which has the code filled in:\n\n    {}\n",
                auth.verification_uri_complete
            ));
        }
        if minutes > 0 {
            text.push_str(&format!(
                "\nWaiting for the sign-in to be approved (the code expires in {minutes} minute{})…",
                plural(minutes as usize)
            ));
        }
        eprintln!("{text}");
        if self.open_browser {
            open_browser(self.browser.as_deref(), &auth.verification_uri_complete);
        }
    }
}

/// Starts the browser without waiting for it; a failure only means the user opens the page.
fn open_browser(browser: Option<&str>, url: &str) {
    let mut command = match browser.and_then(|b| b.split(':').find(|c| !c.trim().is_empty())) {
        Some(cmd) => {
            let mut words = shell_words(cmd, url);
            if words.is_empty() {
                return;
            }
            let mut c = std::process::Command::new(words.remove(0));
            c.args(words);
            c
        }
        None if cfg!(target_os = "macos") => {
            let mut c = std::process::Command::new("open");
            c.arg(url);
            c
        }
        None if cfg!(windows) => {
            let mut c = std::process::Command::new("cmd");
            c.args(["/C", "start", "", url]);
            c
        }
        None => {
            let mut c = std::process::Command::new("xdg-open");
            c.arg(url);
            c
        }
    };
    command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    match command.spawn() {
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
        }
        Err(_) => eprintln!("(Could not open a browser: open the page above yourself.)"),
    }
}

/// `BROWSER` as words, with `%s` replaced by the URL (appended when absent).
fn shell_words(cmd: &str, url: &str) -> Vec<String> {
    let mut words: Vec<String> = cmd.split_whitespace().map(str::to_string).collect();
    if words.iter().any(|w| w.contains("%s")) {
        for w in &mut words {
            *w = w.replace("%s", url);
        }
    } else {
        words.push(url.to_string());
    }
    words
}

/// How `credentials show` names an SSO plan's session and token (no secret).
pub struct SsoShow {
    pub session: Option<String>,
    pub start_url: String,
    pub region: String,
    pub profile: String,
    pub token: sls_aws::SsoTokenStatus,
}

impl SsoShow {
    /// The SSO step of a plan (directly, or as the source of assumed roles).
    pub fn of(plan: &sls_credentials::Plan, host: &Host) -> Option<SsoShow> {
        use sls_credentials::Plan;
        match plan {
            Plan::Sso {
                profile,
                session_name,
                start_url,
                sso_region,
                ..
            } => Some(SsoShow {
                session: session_name.clone(),
                start_url: start_url.clone(),
                region: sso_region.clone(),
                profile: profile.clone(),
                token: sls_aws::sso_token_status(
                    &host.home,
                    session_name.as_deref().unwrap_or(start_url),
                ),
            }),
            Plan::AssumeRole { source, .. } => SsoShow::of(source, host),
            _ => None,
        }
    }

    /// `valid`, `expired` or `missing`.
    pub fn state(&self, now: SystemTime) -> &'static str {
        match self.token.expires_at {
            Some(t) if t > now => "valid",
            Some(_) => "expired",
            None => "missing",
        }
    }

    pub fn lines(&self, now: SystemTime) -> String {
        let session = match &self.session {
            Some(s) => format!("\"{s}\""),
            None => "none (legacy profile)".to_string(),
        };
        let login = format!("sls sso login --aws-profile {}", self.profile);
        let token = match (self.state(now), self.token.expires_at) {
            ("valid", Some(t)) => format!(
                "expires at {} (in {}){}",
                sls_aws::time::format_rfc3339(t),
                human(t.duration_since(now).unwrap_or_default()),
                if self.token.refreshable {
                    ", refreshable"
                } else {
                    ""
                }
            ),
            ("expired", Some(t)) if self.token.refreshable && self.session.is_some() => format!(
                "expired at {}; sls refreshes it on use, or run `{login}`",
                sls_aws::time::format_rfc3339(t)
            ),
            ("expired", Some(t)) => format!(
                "expired at {}; run `{login}`",
                sls_aws::time::format_rfc3339(t)
            ),
            _ => format!("none in {}; run `{login}`", self.token.file.display()),
        };
        format!(
            "SSO session:  {session}, start URL {}, region {}\nSSO token:    {token}\n",
            self.start_url, self.region
        )
    }

    pub fn json(&self, now: SystemTime) -> serde_json::Value {
        serde_json::json!({
            "session": self.session,
            "startUrl": self.start_url,
            "region": self.region,
            "tokenFile": self.token.file,
            "tokenExpiresAt": self.token.expires_at.map(sls_aws::time::format_rfc3339),
            "tokenState": self.state(now),
            "refreshable": self.token.refreshable,
        })
    }
}

/// `7h 59m`, `12m`, `40s`.
fn human(d: std::time::Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, (s % 3600) / 60) {
        (0, 0) => format!("{s}s"),
        (0, m) => format!("{m}m"),
        (h, m) => format!("{h}h {m}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(tty: bool) -> Host {
        Host {
            env: Env::new(),
            home: "/h".into(),
            cwd: "/c".into(),
            stdin_is_terminal: tty,
            stderr_is_terminal: tty,
        }
    }

    #[test]
    fn browser_only_for_a_person_at_a_terminal() {
        let mut env = Env::new();
        assert!(opens_browser(false, &host(true), &env));
        assert!(!opens_browser(true, &host(true), &env), "--no-browser");
        assert!(!opens_browser(false, &host(false), &env), "no terminal");
        env.insert("CI".into(), "true".into());
        assert!(!opens_browser(false, &host(true), &env), "CI");
        env.insert("CI".into(), "false".into());
        assert!(opens_browser(false, &host(true), &env));
        env.insert("GITHUB_ACTIONS".into(), "true".into());
        assert!(!opens_browser(false, &host(true), &env));
    }

    #[test]
    fn browser_command_takes_the_url() {
        assert_eq!(
            shell_words("firefox --new-tab", "https://x/?c=1"),
            ["firefox", "--new-tab", "https://x/?c=1"]
        );
        assert_eq!(
            shell_words("open -a %s", "https://x"),
            ["open", "-a", "https://x"]
        );
    }

    #[test]
    fn durations_read_short() {
        use std::time::Duration;
        assert_eq!(human(Duration::from_secs(40)), "40s");
        assert_eq!(human(Duration::from_secs(12 * 60 + 5)), "12m");
        assert_eq!(human(Duration::from_secs(8 * 3600 - 60)), "7h 59m");
    }
}
