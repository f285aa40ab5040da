//! Running a planned invocation: write the embedded wrapper and its input to a private temp
//! folder, start the interpreter with the planned environment, enforce the timeout, and read the
//! result back.
//!
//! Channels: the handler's fd 1 and fd 2 both go to sls's stderr (or a capture file), so nothing
//! the handler prints can be mistaken for its result; the wrapper writes the result to a file in
//! the temp folder (`OK`/`ERROR` on the first line, then the text for stdout).
//!
//! The child gets its own process group, so a timeout kills everything it started; on Linux it
//! also gets `PR_SET_PDEATHSIG`, so it dies with sls (e.g. on Ctrl-C, which now only reaches
//! sls's group). Its stdin is `/dev/null`: a process outside the terminal's foreground group
//! would be stopped if it read the terminal.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::plan::{wrapper_input, InvocationPlan, RuntimeKind};
use crate::{InvokeError, InvokeOutcome, InvokeRequest, InvokeStatus, Logs};

const NODE_WRAPPER: &str = include_str!("wrappers/invoke.cjs");
const PYTHON_WRAPPER: &str = include_str!("wrappers/invoke.py");

/// The wrapper script for a runtime, as embedded in the binary (for benchmarks and tooling).
pub fn wrapper_source(kind: RuntimeKind) -> (&'static str, &'static str) {
    match kind {
        RuntimeKind::Node => ("invoke.cjs", NODE_WRAPPER),
        RuntimeKind::Python => ("invoke.py", PYTHON_WRAPPER),
    }
}

/// The command line that runs one invocation's wrapper, with its files already written.
#[derive(Debug, Clone)]
pub struct PreparedCommand {
    /// The interpreter.
    pub program: PathBuf,
    /// Its arguments: the wrapper script and its input file.
    pub args: Vec<PathBuf>,
    /// Where the wrapper writes the result (`OK`/`ERROR` line, then the stdout text).
    pub result_path: PathBuf,
}

/// Writes the embedded wrapper and its input (event, context, deadline) into `dir` and returns
/// the command line that runs it, without running it. The child must also get `plan.env` and
/// run in `plan.task_root`. [`crate::invoke_local`] does all this itself; this exists for
/// benchmarks and debugging (`node --inspect-brk …`).
pub fn prepare(
    plan: &InvocationPlan,
    req: &InvokeRequest,
    dir: &Path,
) -> Result<PreparedCommand, InvokeError> {
    let (wrapper_name, wrapper_text) = wrapper_source(plan.kind);
    let wrapper_path = dir.join(wrapper_name);
    let input_path = dir.join("input.json");
    let result_path = dir.join("result");
    write(&wrapper_path, wrapper_text.as_bytes())?;

    let deadline_ms = epoch_ms() + (plan.timeout_secs * 1000.0) as u128;
    let mut input = wrapper_input(plan, &req.event, req.context_override.as_ref());
    input.insert("deadlineMs".into(), json!(deadline_ms as u64));
    input.insert(
        "resultPath".into(),
        result_path.to_string_lossy().into_owned().into(),
    );
    let input_text = serde_json::to_vec(&Value::Object(input)).unwrap_or_default();
    write(&input_path, &input_text)?;

    let mut args = Vec::new();
    if plan.kind == RuntimeKind::Python {
        args.push(PathBuf::from("-u"));
    }
    args.push(wrapper_path);
    args.push(input_path);
    Ok(PreparedCommand {
        program: plan.program.clone(),
        args,
        result_path,
    })
}

pub(crate) fn run(
    plan: &InvocationPlan,
    req: &InvokeRequest,
    logs: Logs,
) -> Result<InvokeOutcome, InvokeError> {
    let tmp_root = temp_root(req);
    let dir = tempfile::Builder::new()
        .prefix("sls-invoke-")
        .tempdir_in(&tmp_root)
        .map_err(|source| InvokeError::Io {
            what: "could not create a temporary folder for the runtime wrapper; check TMPDIR",
            path: tmp_root.clone(),
            source,
        })?;
    let logs_path = dir.path().join("logs");
    let prepared = prepare(plan, req, dir.path())?;
    let result_path = prepared.result_path.clone();

    let mut cmd = Command::new(&prepared.program);
    cmd.args(&prepared.args)
        .env_clear()
        .envs(&plan.env)
        .current_dir(&plan.task_root)
        .stdin(Stdio::null());
    match logs {
        Logs::Inherit => {
            cmd.stdout(stderr_handle()?).stderr(Stdio::inherit());
        }
        Logs::Capture => {
            let file = File::create(&logs_path).map_err(|source| InvokeError::Io {
                what: "could not create the log capture file",
                path: logs_path.clone(),
                source,
            })?;
            let file2 = file.try_clone().map_err(|source| InvokeError::Io {
                what: "could not open the log capture file",
                path: logs_path.clone(),
                source,
            })?;
            cmd.stdout(file).stderr(file2);
        }
    }
    isolate(&mut cmd);

    let started = Instant::now();
    let child = cmd.spawn().map_err(|source| InvokeError::Spawn {
        program: plan.program.clone(),
        function: plan.function.clone(),
        source,
    })?;
    let waited = wait_timeout(child, Duration::from_secs_f64(plan.timeout_secs));
    let duration = started.elapsed();

    let captured = match logs {
        Logs::Capture => Some(std::fs::read_to_string(&logs_path).unwrap_or_default()),
        Logs::Inherit => None,
    };
    let mut outcome = InvokeOutcome {
        stdout: String::new(),
        exit_code: 1,
        status: InvokeStatus::Succeeded,
        warnings: plan.warnings.clone(),
        logs: captured,
        duration,
    };

    let status = match waited {
        None => {
            outcome.status = InvokeStatus::TimedOut {
                seconds: plan.timeout_secs,
            };
            outcome.stdout = pretty(&json!({
                "errorMessage": format!("Task timed out after {:.2} seconds", plan.timeout_secs),
                "errorType": "Sandbox.Timedout",
            }));
            return Ok(outcome);
        }
        Some(Ok(status)) => status,
        Some(Err(source)) => {
            return Err(InvokeError::Io {
                what: "could not wait for the handler's process",
                path: plan.program.clone(),
                source,
            })
        }
    };

    match std::fs::read_to_string(&result_path) {
        Ok(text) => {
            let (head, body) = text.split_once('\n').unwrap_or((text.as_str(), ""));
            outcome.stdout = body.to_string();
            if head == "ERROR" {
                outcome.status = InvokeStatus::Failed;
            } else if status.success() {
                outcome.exit_code = 0;
            } else {
                outcome.status = crashed(status);
            }
        }
        Err(_) if status.success() => {
            // The handler never answered (e.g. a callback handler that never called back) and
            // its process ended normally: like v3, there is nothing to print.
            outcome.exit_code = 0;
        }
        Err(_) => outcome.status = crashed(status),
    }
    Ok(outcome)
}

/// Waits for the child until `timeout`; past it, kills the child's process group and returns
/// `None`.
fn wait_timeout(mut child: Child, timeout: Duration) -> Option<std::io::Result<ExitStatus>> {
    // Linux: poll a pidfd in this thread (one wake-up when the child exits).
    #[cfg(target_os = "linux")]
    if let Some(exited) = pidfd_wait(&child, timeout) {
        if exited {
            return Some(child.wait());
        }
        kill_tree(child.id());
        let _ = child.wait();
        return None;
    }
    // Elsewhere (or kernels before 5.3): a thread blocks in wait() while this one keeps time.
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    let waited = match rx.recv_timeout(timeout) {
        Ok(status) => Some(status),
        Err(_) => {
            kill_tree(pid);
            let _ = rx.recv();
            None
        }
    };
    let _ = waiter.join();
    waited
}

/// `Some(true)` when the child exited within `timeout`, `Some(false)` when it did not, `None`
/// when pidfds are unavailable or polling failed (the caller then waits another way).
#[cfg(target_os = "linux")]
fn pidfd_wait(child: &Child, timeout: Duration) -> Option<bool> {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    let pid = libc::pid_t::try_from(child.id()).ok()?;
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let raw = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    let raw = i32::try_from(raw).ok().filter(|fd| *fd >= 0)?;
    // SAFETY: `raw` is a fresh descriptor that nothing else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Some(false);
        }
        // Round up so a sub-millisecond remainder does not spin.
        let ms = i32::try_from(left.as_millis() + 1).unwrap_or(i32::MAX);
        let mut pfd = libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        match unsafe { libc::poll(&mut pfd, 1, ms) } {
            n if n > 0 => return Some(true),
            0 => continue,
            _ => {
                if std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
                    return None;
                }
            }
        }
    }
}

fn crashed(status: ExitStatus) -> InvokeStatus {
    #[cfg(unix)]
    let signal = std::os::unix::process::ExitStatusExt::signal(&status);
    #[cfg(not(unix))]
    let signal = None;
    InvokeStatus::Crashed {
        code: status.code(),
        signal,
    }
}

/// JSON with 4-space indentation, like `JSON.stringify(v, null, 4)`.
pub(crate) fn pretty(value: &Value) -> String {
    use serde::Serialize;
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    if value.serialize(&mut ser).is_err() {
        return value.to_string();
    }
    String::from_utf8(out).unwrap_or_default()
}

fn temp_root(req: &InvokeRequest) -> PathBuf {
    #[cfg(unix)]
    let fallback = "/tmp";
    #[cfg(not(unix))]
    let fallback = ".";
    ["TMPDIR", "TMP", "TEMP"]
        .iter()
        .find_map(|k| req.process_env.get(*k).filter(|v| !v.is_empty()))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(fallback))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), InvokeError> {
    std::fs::write(path, bytes).map_err(|source| InvokeError::Io {
        what: "could not write the runtime wrapper",
        path: path.to_path_buf(),
        source,
    })
}

fn epoch_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

/// A handle on sls's own stderr for the child's stdout.
fn stderr_handle() -> Result<Stdio, InvokeError> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        let fd = std::io::stderr()
            .as_fd()
            .try_clone_to_owned()
            .map_err(|source| InvokeError::Io {
                what: "could not share stderr with the handler",
                path: PathBuf::from("/dev/stderr"),
                source,
            })?;
        Ok(Stdio::from(fd))
    }
    #[cfg(not(unix))]
    {
        Ok(Stdio::inherit())
    }
}

#[cfg(unix)]
fn isolate(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    cmd.process_group(0);
    #[cfg(target_os = "linux")]
    // SAFETY: prctl is async-signal-safe and touches only the child being started.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
}

#[cfg(not(unix))]
fn isolate(_cmd: &mut Command) {}

/// Kills the child's whole process group (the child leads it).
#[cfg(unix)]
fn kill_tree(pid: u32) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: plain syscall; the group is ours and not yet reaped, so the id is not reused.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

#[cfg(not(unix))]
fn kill_tree(pid: u32) {
    let _ = Command::new("taskkill")
        .args(["/T", "/F", "/PID", &pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}
