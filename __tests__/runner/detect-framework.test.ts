import { afterEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { detectFramework } from '../../src/runner/detect-framework.js'

const dirs: string[] = []

function packageWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tm-detect-'))
  dirs.push(dir)
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
  return dir
}

const pkg = (value: object): string => JSON.stringify(value)

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('detectFramework', () => {
  it('trusts the test script first', async () => {
    const dir = packageWith({
      'package.json': pkg({ scripts: { test: 'vitest run' }, devDependencies: { jest: '30' } }),
      'jest.config.js': ''
    })
    expect(await detectFramework(dir)).toBe('vitest')
    const jestDir = packageWith({
      'package.json': pkg({ scripts: { test: 'NODE_OPTIONS=--experimental-vm-modules jest --ci' } })
    })
    expect(await detectFramework(jestDir)).toBe('jest')
  })

  it('then a framework config file or the jest key', async () => {
    expect(
      await detectFramework(packageWith({ 'package.json': pkg({}), 'vitest.config.mts': '' }))
    ).toBe('vitest')
    expect(
      await detectFramework(packageWith({ 'package.json': pkg({}), 'jest.config.ts': '' }))
    ).toBe('jest')
    expect(
      await detectFramework(
        packageWith({ 'package.json': pkg({ jest: { testEnvironment: 'node' } }) })
      )
    ).toBe('jest')
  })

  it('then the declared dependencies', async () => {
    expect(
      await detectFramework(
        packageWith({ 'package.json': pkg({ devDependencies: { vitest: '5' } }) })
      )
    ).toBe('vitest')
    expect(
      await detectFramework(
        packageWith({ 'package.json': pkg({ devDependencies: { 'ts-jest': '29' } }) })
      )
    ).toBe('jest')
  })

  it('recognises vitest configured inside a vite config', async () => {
    const dir = packageWith({
      'package.json': pkg({}),
      'vite.config.ts': "export default { test: { environment: 'node' } }"
    })
    expect(await detectFramework(dir)).toBe('vitest')
  })

  it('is undefined when nothing points to either, or there is no package.json', async () => {
    expect(
      await detectFramework(packageWith({ 'package.json': pkg({ scripts: { test: 'mocha' } }) }))
    ).toBeUndefined()
    expect(await detectFramework(packageWith({}))).toBeUndefined()
  })
})
