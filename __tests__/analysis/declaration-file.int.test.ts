import { afterAll, describe, expect, it } from '@jest/globals'
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { analyzeModules } from '../../src/analysis/analyze-modules.js'
import { formatTypeModel } from '../../src/analysis/type-model.js'

/**
 * A CommonJS module whose only types are the package's hand-written declaration file (`types` in
 * package.json, for the package's `main`): the analysis takes the signatures from it.
 */

const roots: string[] = []
afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })))
})

async function project(files: Record<string, string>): Promise<string> {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'tm-declaration-')))
  roots.push(root)
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true })
    await writeFile(join(root, path), text)
  }
  return root
}

const PAD = `'use strict'
function pad(text, width) {
  return String(text).padStart(width)
}
module.exports = pad
`

async function analyze(root: string, path: string) {
  const [module] = await analyzeModules(root, [
    { path, status: 'added', binary: false, lines: [{ start: 1, end: 10 }] }
  ])
  return module
}

describe('declaration files of JavaScript modules', () => {
  it("types the package's main from its `types` file", async () => {
    const root = await project({
      'package.json': JSON.stringify({ name: 'pad', main: 'lib/pad.js', types: 'types/pad.d.ts' }),
      'lib/pad.js': PAD,
      'types/pad.d.ts': 'declare function pad(text: string, width: number): string\nexport = pad\n'
    })
    const module = await analyze(root, 'lib/pad.js')
    const signature = module?.exports.find((e) => e.name === 'default')?.signatures?.at(-1)
    expect(signature?.parameters.map((p) => formatTypeModel(p.type))).toEqual(['string', 'number'])
    // The module's own lines and changed flag are kept.
    expect(module?.exports[0]?.changed).toBe(true)
  }, 60_000)

  it('leaves a module that is not the main without the package types', async () => {
    const root = await project({
      'package.json': JSON.stringify({
        name: 'pad',
        main: 'lib/index.js',
        types: 'types/pad.d.ts'
      }),
      'lib/pad.js': PAD,
      'types/pad.d.ts': 'declare function pad(text: string, width: number): string\nexport = pad\n'
    })
    const module = await analyze(root, 'lib/pad.js')
    const signature = module?.exports.find((e) => e.name === 'default')?.signatures?.at(-1)
    expect(signature?.parameters.map((p) => p.type.kind)).toEqual(['any', 'any'])
  }, 60_000)
})
