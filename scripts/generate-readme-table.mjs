// Writes the README's action inputs/outputs tables from action.yml and its configuration-keys table
// from the settings schema; `--check` fails when either is stale.
import { readFileSync, writeFileSync } from 'node:fs'
import { register } from 'tsx/esm/api'
import { parse } from 'yaml'

// The schema is TypeScript: tsx loads it (and its `.js`-suffixed imports) under plain `node`.
register()
const { renderConfigTable } = await import('../src/config/schema-docs.ts')

const README = 'README.md'

const action = parse(readFileSync('action.yml', 'utf8'))
const cell = (text) =>
  String(text ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ')
const lines = ['### Inputs', '', '| Input | Description | Default |', '| --- | --- | --- |']
// Inputs the config file can set default to '' in action.yml and state their default in words.
const STATED_DEFAULT = / Default: (.+), unless the config file sets it\.$/
for (const [name, input] of Object.entries(action.inputs ?? {})) {
  const stated = STATED_DEFAULT.exec(input.description ?? '')
  const description = stated ? input.description.replace(STATED_DEFAULT, '') : input.description
  const fallback = stated
    ? `\`${cell(stated[1])}\` (or the config file)`
    : input.default === undefined || input.default === ''
      ? ''
      : `\`${cell(input.default)}\``
  lines.push(`| \`${name}\` | ${cell(description)} | ${fallback} |`)
}
lines.push('', '### Outputs', '', '| Output | Description |', '| --- | --- |')
for (const [name, output] of Object.entries(action.outputs ?? {})) {
  lines.push(`| \`${name}\` | ${cell(output.description)} |`)
}

const blocks = [
  { marker: 'action-table', what: 'inputs/outputs table', content: lines.join('\n') },
  { marker: 'config-table', what: 'configuration table', content: renderConfigTable() }
]

const readme = readFileSync(README, 'utf8')
let next = readme
const stale = []
for (const { marker, what, content } of blocks) {
  const START = `<!-- ${marker}:start -->`
  const END = `<!-- ${marker}:end -->`
  const start = next.indexOf(START)
  const end = next.indexOf(END)
  if (start < 0 || end < start) {
    console.error(`${README} has no ${START} ... ${END} block`)
    process.exit(1)
  }
  const block = `${START}\n${content}\n${END}`
  if (next.slice(start, end + END.length) !== block) stale.push(what)
  next = next.slice(0, start) + block + next.slice(end + END.length)
}
if (process.argv.includes('--check')) {
  if (stale.length > 0) {
    console.error(
      `${README}: the ${stale.join(' and the ')} ${stale.length > 1 ? 'are' : 'is'} stale; run 'npm run readme' and commit it`
    )
    process.exit(1)
  }
  console.log(`${README}: ${blocks.map((b) => b.what).join(' and ')} are up to date`)
} else {
  writeFileSync(README, next)
  console.log(`${README}: ${blocks.map((b) => b.what).join(' and ')} written`)
}
