import { describe, expect, it } from '@jest/globals'
import { unsupportedNode } from '../../src/cli/node-version.js'

describe('unsupportedNode', () => {
  it('accepts Node 22.15 and later', () => {
    for (const version of ['v22.15.0', 'v22.23.3', 'v23.0.0', 'v24.21.0'])
      expect(unsupportedNode(version)).toBeUndefined()
  })

  it('names the version at fault below 22.15 (no module.registerHooks for the explorer)', () => {
    expect(unsupportedNode('v22.14.0')).toBe(
      'testmaster needs Node 22.15 or later, this is Node 22.14.0'
    )
    expect(unsupportedNode('v20.19.1')).toMatch(/this is Node 20\.19\.1$/)
  })
})
