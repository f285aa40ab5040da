#!/usr/bin/env bash
# Builds the release binary and writes what users install, into dist/:
#   dist/sls-<version>-<target>.tar.gz (.zip for Windows): sls, README.md, LICENSE
#   dist/sls-<version>-<target>.tar.gz.sha256: its checksum (`sha256sum -c` reads it)
#   dist/npm/sls-rs-<version>.tgz: the npm package with the `sls` launcher (npm/sls-rs)
#   dist/npm/sls-rs-<platform>-<version>.tgz: the npm package with this target's binary
#
#   scripts/dist.sh                  # the host's target
#   scripts/dist.sh --target TRIPLE  # another one (the release workflow: musl, macOS x64, …)
#
# The version is the workspace's (Cargo.toml); the npm templates in npm/ are stamped with it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

target=""
if [ "${1:-}" = "--target" ] && [ -n "${2:-}" ]; then
  target=$2
elif [ $# -gt 0 ]; then
  echo "usage: scripts/dist.sh [--target TRIPLE]" >&2
  exit 2
fi
host=$(rustc -vV | sed -n 's/^host: //p')
target=${target:-$host}

# `cargo pkgid` ends in `#sls-cli@0.1.0` (or `#0.1.0` with older cargo).
id=$(cargo pkgid -p sls-cli)
version=${id##*[#@]}

# npm names platforms as Node's process.platform-process.arch.
case "$target" in
  x86_64-*-linux-*) platform=linux-x64 ;;
  aarch64-*-linux-*) platform=linux-arm64 ;;
  x86_64-apple-darwin) platform=darwin-x64 ;;
  aarch64-apple-darwin) platform=darwin-arm64 ;;
  x86_64-pc-windows-*) platform=win32-x64 ;;
  *) echo "no npm platform package for target $target" >&2; exit 1 ;;
esac
exe=sls
[ "$platform" = win32-x64 ] && exe=sls.exe

for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "$tool is required to make the npm packages" >&2; exit 1; }
done

echo "== cargo build --release ($target)" >&2
start=$SECONDS
cargo build --release --locked -p sls-cli --target "$target"
echo "built in $((SECONDS - start)) s" >&2
binary="${CARGO_TARGET_DIR:-target}/$target/release/$exe"

rm -rf dist
mkdir -p dist/npm
name="sls-$version-$target"
stage="dist/$name"
mkdir "$stage"
cp "$binary" README.md LICENSE "$stage/"
if [ "$platform" = win32-x64 ]; then
  archive="$name.zip"
  (cd dist && 7z a -tzip -bd "$archive" "$name" >/dev/null)
else
  archive="$name.tar.gz"
  tar -C dist -czf "dist/$archive" "$name"
fi
rm -rf "$stage"
# sha256sum on Linux and Windows (Git Bash); macOS has shasum.
if command -v sha256sum >/dev/null; then sum=(sha256sum); else sum=(shasum -a 256); fi
(cd dist && "${sum[@]}" "$archive" >"$archive.sha256")

node npm/stamp.js dist/npm/packages "$version" "$platform" "$binary" >/dev/null
for package in dist/npm/packages/*; do
  npm pack --silent --pack-destination dist/npm "./$package" >/dev/null
done
rm -rf dist/npm/packages

echo "== dist/" >&2
(cd dist && ls -l "$archive" "$archive.sha256" npm/*.tgz) >&2
