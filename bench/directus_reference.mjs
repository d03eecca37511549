// directus_reference.mjs - Directus 12.4.1's own diff and hash, the reference side of the benchmark.
//
//   node directus_reference.mjs CURRENT DESIRED [--timings]
//       Reads both snapshot files (.json: JSON.parse, else js-yaml `load`, as POST /schema/diff does),
//       runs getSnapshotDiff(current, desired) (mirror mode) and getVersionedHash(current) from the
//       installed @directus/api dist, and prints {"hash", "diff"} as compact JSON, which is what
//       `drift diff CURRENT DESIRED --format json` prints. --timings: phase times on stderr as JSON.
//   node directus_reference.mjs --dump-yaml IN.json OUT.yaml
//       Writes IN as YAML with js-yaml `dump` defaults (what `directus schema snapshot` writes).
//   node directus_reference.mjs --check-yaml IN.json IN.yaml
//       Exit 1 unless js-yaml `load` of the YAML file gives exactly the JSON file's data.
//
// The dist modules are imported by paths computed at run time from DIRECTUS_HOME
// (default ~/.cache/directus-server) and DIRECTUS_VERSION (default 12.4.1). CONFIG_PATH points at a
// file that does not exist and LOG_LEVEL is silent, so importing the API reads no configuration.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const t0 = performance.now();
const HOME = process.env.DIRECTUS_HOME || path.join(homedir(), '.cache', 'directus-server');
const API = path.join(HOME, `directus-${process.env.DIRECTUS_VERSION || '12.4.1'}`, 'node_modules', '@directus', 'api', 'dist');
if (!process.env.CONFIG_PATH) process.env.CONFIG_PATH = path.join(HOME, '.no-such-dir', '.env');
process.env.LOG_LEVEL ??= 'silent';

const requireApi = createRequire(path.join(API, 'utils', 'get-versioned-hash.js'));
const jsyaml = requireApi('js-yaml');

function load(file) {
  const text = fs.readFileSync(file, 'utf8');
  return /\.json$/i.test(file) ? JSON.parse(text) : jsyaml.load(text);
}

// write a large string to stdout completely (no process.exit() afterwards: it could cut a pipe short)
function emit(text) {
  process.stdout.write(text);
}

const args = process.argv.slice(2);
if (args[0] === '--dump-yaml') {
  fs.writeFileSync(args[2], jsyaml.dump(JSON.parse(fs.readFileSync(args[1], 'utf8'))));
} else if (args[0] === '--check-yaml') {
  const a = JSON.stringify(JSON.parse(fs.readFileSync(args[1], 'utf8')));
  const b = JSON.stringify(jsyaml.load(fs.readFileSync(args[2], 'utf8')));
  if (a !== b) {
    process.stderr.write(`${args[2]}: js-yaml load differs from ${args[1]}\n`);
    process.exitCode = 1;
  }
} else {
  const files = args.filter((a) => !a.startsWith('--'));
  if (files.length !== 2) {
    process.stderr.write('usage: directus_reference.mjs CURRENT DESIRED [--timings]\n');
    process.exit(2);
  }
  const { getSnapshotDiff } = await import(path.join(API, 'utils/schema/get-snapshot-diff.js'));
  const { getVersionedHash } = await import(path.join(API, 'utils/get-versioned-hash.js'));
  const t1 = performance.now();
  const current = load(files[0]);
  const desired = load(files[1]);
  const t2 = performance.now();
  const diff = getSnapshotDiff(current, desired, {});
  const t3 = performance.now();
  const hash = getVersionedHash(current);
  const t4 = performance.now();
  const out = JSON.stringify({ hash, diff });
  const t5 = performance.now();
  emit(out + '\n');
  if (args.includes('--timings')) {
    const ms = (a, b) => Math.round(b - a);
    process.stderr.write(JSON.stringify({ import_ms: ms(t0, t1), load_ms: ms(t1, t2), diff_ms: ms(t2, t3),
      hash_ms: ms(t3, t4), stringify_ms: ms(t4, t5) }) + '\n');
  }
}
