import { readFileSync } from 'node:fs'
import { describe, expect, it } from '@jest/globals'
import { TOOL_VERSION } from '../src/version.js'

describe('TOOL_VERSION', () => {
  it('matches package.json', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }
    expect(TOOL_VERSION).toBe(pkg.version)
  })
})
