#!/usr/bin/env node
// The `sls` command of the sls-rs npm package: runs the native sls binary of this machine's
// platform package (one of this package's optionalDependencies; npm installs only the one whose
// os/cpu match, as esbuild does), with arguments, stdin/stdout/stderr, the exit code and
// signals passed through. No dependencies: this file is all there is.
'use strict';

const { spawn } = require('child_process');
const { constants } = require('os');
const { isatty } = require('tty');
const manifest = require('../package.json');

const platform = `${process.platform}-${process.arch}`;
const pkg = `sls-rs-${platform}`;
const exe = process.platform === 'win32' ? 'sls.exe' : 'sls';

let binary;
try {
  binary = require.resolve(`${pkg}/bin/${exe}`);
} catch {
  const known = Object.keys(manifest.optionalDependencies);
  const help = known.includes(pkg)
    ? `Install it next to ${manifest.name}: npm install -g ${pkg}@${manifest.version} (without -g in a project).\n` +
      'npm leaves it out when optional dependencies are omitted (--omit=optional, --no-optional).'
    : `There is no prebuilt sls for ${platform} (only for ${known.map((p) => p.slice('sls-rs-'.length)).join(', ')}).\n` +
      'Build it from source with a Rust toolchain: cargo install --path crates/sls-cli';
  process.stderr.write(`sls: the package "${pkg}" with the sls binary for ${platform} is not installed.\n${help}\n`);
  process.exit(1);
}

// Stay alive until the child exits, and report how it ended. SIGTERM and SIGHUP are usually sent
// to this process alone (kill, a CI timeout), so they are passed on. Ctrl-C at a terminal is
// delivered to the whole foreground process group, the child included: passing SIGINT on too
// would be a second Ctrl-C, which makes sls quit at once instead of stopping cleanly. So SIGINT
// is passed on only when no standard stream is a terminal (then it was sent to this process).
// (isatty, not process.stdin.isTTY: creating process.stdin would make a stdin pipe shared with
// the child non-blocking, and the child's reads could then fail.)
// The handlers are set before the child starts, so that no signal can end this process early
// and leave the child running; Node runs them from its event loop, once `child` is set.
const interactive = [0, 1, 2].some((fd) => isatty(fd));
let child;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (signal !== 'SIGINT' || !interactive) child.kill(signal);
  });
}
child = spawn(binary, process.argv.slice(2), { stdio: 'inherit' });

child.on('error', (err) => {
  process.stderr.write(`sls: could not run ${binary}: ${err.message}\n`);
  process.exit(1);
});

child.on('exit', (code, signal) => {
  if (signal) {
    // End the same way the child did, so the shell sees the signal (e.g. 130 after Ctrl-C).
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
    process.exit(128 + (constants.signals[signal] || 0)); // where the signal cannot end us
  }
  process.exit(code);
});
