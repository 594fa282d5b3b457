// Writes the README's inputs and outputs tables from action.yml; `--check` fails when stale.
import { readFileSync, writeFileSync } from 'node:fs'
import { parse } from 'yaml'

const README = 'README.md'
const START = '<!-- action-table:start -->'
const END = '<!-- action-table:end -->'

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
const table = `${START}\n${lines.join('\n')}\n${END}`

const readme = readFileSync(README, 'utf8')
const start = readme.indexOf(START)
const end = readme.indexOf(END)
if (start < 0 || end < 0) {
  console.error(`${README} has no ${START} ... ${END} block`)
  process.exit(1)
}
const next = readme.slice(0, start) + table + readme.slice(end + END.length)
if (process.argv.includes('--check')) {
  if (next !== readme) {
    console.error(
      `${README}: the inputs/outputs table is stale; run 'npm run readme' and commit it`
    )
    process.exit(1)
  }
  console.log(`${README}: inputs/outputs table is up to date`)
} else {
  writeFileSync(README, next)
  console.log(`${README}: inputs/outputs table written`)
}
