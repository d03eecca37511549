// Runs the real js-yaml that Directus ships, so tests can compare drift's YAML reading and writing
// with it. Usage: node jsyaml.cjs MODE < input
//   dump        stdin: one JSON value        stdout: js-yaml dump(value) with default options
//   dump-many   stdin: a JSON array          stdout: a JSON array of dump strings
//   load        stdin: YAML text             stdout: the tagged JSON form of load(text)
//   load-many   stdin: a JSON array of texts stdout: a JSON array of tagged JSON forms
// The tagged form keeps what JSON cannot: a Date is {"$date": ISO}, a non-finite number is
// {"$num": "Infinity"}, undefined is {"$undefined": true}, an error is {"$error": message,
// "line": L, "column": C} (1-based).
// js-yaml is found through the JSYAML_DIR environment variable (the package directory).
'use strict'

const yaml = require(process.env.JSYAML_DIR)

function tag (value) {
  if (value === undefined) return { $undefined: true }
  if (value instanceof Date) return { $date: value.toISOString() }
  if (typeof value === 'number' && !isFinite(value)) return { $num: String(value) }
  if (Array.isArray(value)) return value.map(tag)
  if (value !== null && typeof value === 'object') {
    if (value instanceof Uint8Array) return { $binary: Array.from(value) }
    const out = {}
    for (const k of Object.keys(value)) out[k] = tag(value[k])
    return out
  }
  return value
}

function loadOne (text) {
  try {
    return tag(yaml.load(text))
  } catch (e) {
    const mark = e.mark || {}
    return { $error: e.reason || e.message, line: mark.line + 1, column: mark.column + 1 }
  }
}

const chunks = []
process.stdin.on('data', (c) => chunks.push(c))
process.stdin.on('end', () => {
  const input = Buffer.concat(chunks).toString('utf8')
  const mode = process.argv[2]
  let out
  if (mode === 'dump') out = yaml.dump(JSON.parse(input))
  else if (mode === 'dump-many') out = JSON.stringify(JSON.parse(input).map((v) => yaml.dump(v)))
  else if (mode === 'load') out = JSON.stringify(loadOne(input))
  else if (mode === 'load-many') out = JSON.stringify(JSON.parse(input).map(loadOne))
  else {
    process.stderr.write('unknown mode ' + mode + '\n')
    process.exit(2)
  }
  process.stdout.write(out)
})
