// sls's built-in serverless-esbuild: the one step that runs JavaScript. It loads the project's
// own esbuild (resolved from the service folder, as the plugin's `require('esbuild')` resolves
// it from node_modules) and calls its JS API with the options sls computed from
// `custom.esbuild`, one build per entry, as the plugin's bundle.js does. The job arrives as JSON
// on stdin; the answer is one JSON line on stdout.
'use strict';
const path = require('path');
const fs = require('fs');

function reply(obj, code) {
  process.stdout.write(JSON.stringify(obj) + '\n', () => process.exit(code));
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => {
  const job = JSON.parse(input);
  let esbuild;
  try {
    esbuild = require(require.resolve('esbuild', { paths: [job.serviceDir] }));
  } catch (e) {
    return reply({ missing: String((e && e.message) || e) }, 3);
  }
  run(esbuild, job).then(
    (r) => reply(r, 0),
    (e) => {
      let message = String((e && e.message) || e);
      if (e && Array.isArray(e.errors) && e.errors.length && esbuild.formatMessagesSync) {
        message = esbuild
          .formatMessagesSync(e.errors, { kind: 'error', color: false })
          .join('')
          .trim();
      }
      reply({ error: message, entry: e && e.slsEntry, version: esbuild.version }, 2);
    },
  );
});

async function run(esbuild, job) {
  const warnings = [];
  const externals = {};
  const one = async (entry) => {
    const options = {
      ...job.options,
      entryPoints: [entry],
      outdir: path.join(job.buildDir, path.dirname(entry)),
      // The external imports of each bundle (which installed externals its zip needs) come
      // from the metafile; it changes nothing written unless the service asked for it.
      metafile: true,
    };
    let result;
    try {
      result = await esbuild.build(options);
    } catch (e) {
      if (e && typeof e === 'object') e.slsEntry = entry;
      throw e;
    }
    if (result.warnings && result.warnings.length && esbuild.formatMessagesSync) {
      warnings.push(
        ...esbuild.formatMessagesSync(result.warnings, { kind: 'warning', color: false }).map((w) => w.trim()),
      );
    }
    const imports = new Set();
    for (const out of Object.values(result.metafile.outputs || {})) {
      for (const i of out.imports || []) if (i.external) imports.add(i.path);
    }
    externals[entry] = [...imports];
    if (job.writeMetafile) {
      const trimmed = entry.slice(0, -path.extname(entry).length);
      fs.writeFileSync(
        path.join(job.buildDir, `${trimmed}-meta.json`),
        JSON.stringify(result.metafile, null, 2),
      );
    }
  };
  // p-map with `concurrency` (the plugin's default: Infinity).
  const queue = job.entries.slice();
  const width = Math.max(1, Math.min(job.concurrency || queue.length, queue.length));
  const workers = [];
  for (let i = 0; i < width; i += 1) {
    workers.push(
      (async () => {
        while (queue.length) await one(queue.shift());
      })(),
    );
  }
  await Promise.all(workers);
  return { version: esbuild.version, warnings, externals };
}
