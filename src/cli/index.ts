#!/usr/bin/env node
import { unsupportedNode } from './node-version.js'

const unsupported = unsupportedNode(process.version)
if (unsupported) {
  process.stderr.write(`error: ${unsupported}\n`)
  process.exit(2)
}
const { main } = await import('./program.js')
process.exitCode = await main(process.argv)
