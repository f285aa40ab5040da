#!/usr/bin/env node
// Makes the npm package folders from the templates beside this file, ready for `npm pack`:
//
//   node npm/stamp.js OUT_DIR VERSION [PLATFORM BINARY]
//
// OUT_DIR/sls-rs: the main package (launcher, README, licence) at VERSION, its optional
// dependencies (one per platform) pinned to the same VERSION. With PLATFORM (e.g. linux-x64, as
// Node names process.platform-process.arch) and BINARY: OUT_DIR/sls-rs-PLATFORM, the platform
// package holding that binary as bin/sls (bin/sls.exe on win32), limited to that os/cpu.
// With GITHUB_REPOSITORY set (in the release workflow), `repository` names it: npm's provenance
// checks that the package says which repository it was built from.
'use strict';

const fs = require('fs');
const path = require('path');

const [outDir, version, platform, binary] = process.argv.slice(2);
if (!outDir || !/^\d+\.\d+\.\d+/.test(version || '') || (platform && !binary)) {
  console.error('usage: node npm/stamp.js OUT_DIR VERSION [PLATFORM BINARY]');
  process.exit(2);
}
const here = __dirname;
const licence = path.join(here, '..', 'LICENSE');
const repository = process.env.GITHUB_REPOSITORY
  ? { type: 'git', url: `git+https://github.com/${process.env.GITHUB_REPOSITORY}.git` }
  : undefined;

function writePackage(dir, manifest, files) {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const [rel, from, mode] of files) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.copyFileSync(from, path.join(dir, rel));
    fs.chmodSync(path.join(dir, rel), mode);
  }
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ ...manifest, repository }, null, 2) + '\n');
  console.log(dir);
}

const main = JSON.parse(fs.readFileSync(path.join(here, 'sls-rs', 'package.json'), 'utf8'));
main.version = version;
for (const name of Object.keys(main.optionalDependencies)) main.optionalDependencies[name] = version;
writePackage(path.join(outDir, main.name), main, [
  ['bin/sls.js', path.join(here, 'sls-rs', 'bin', 'sls.js'), 0o755],
  ['README.md', path.join(here, 'sls-rs', 'README.md'), 0o644],
  ['LICENSE', licence, 0o644],
]);

if (platform) {
  const name = `sls-rs-${platform}`;
  if (!(name in main.optionalDependencies)) {
    console.error(`${name} is not among sls-rs's optionalDependencies (npm/sls-rs/package.json)`);
    process.exit(1);
  }
  const [os, cpu] = platform.split('-');
  const template = JSON.parse(fs.readFileSync(path.join(here, 'platform', 'package.json'), 'utf8'));
  const manifest = { ...template, name, version, os: [os], cpu: [cpu] };
  writePackage(path.join(outDir, name), manifest, [
    [os === 'win32' ? 'bin/sls.exe' : 'bin/sls', binary, 0o755],
    ['LICENSE', licence, 0o644],
  ]);
}
