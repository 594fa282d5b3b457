import { describe, expect, it } from '@jest/globals'
import { mergeTestFiles } from '../../src/generate/merge-tests.js'

/**
 * The explorer writes `import { describe, expect, it }` and a model often writes
 * `import { describe, it, expect }`: merged as two declarations, the file declares each name twice,
 * which vitest (esbuild) refuses to load and `tsc` reports. Found by the run-level vitest test.
 */

describe('mergeTestFiles imports', () => {
  it('imports a name once, however the candidates spelled the import, one declaration per module', () => {
    const explorer =
      "import { describe, expect, it } from 'vitest'\nimport { f } from '../src/f.js'\n\ndescribe('f', () => {\n  it('a', () => expect(f(1)).toBe(1))\n})\n"
    const llm =
      "import { describe, it, expect, vi } from 'vitest'\nimport { f, type Options } from '../src/f.js'\nimport * as fs from 'node:fs'\n\ndescribe('f more', () => {\n  it('b', () => expect(f(2)).toBe(2))\n})\n"
    const merged = mergeTestFiles([explorer, llm], 'f.test.ts')
    expect(merged.split('\n\n')[0]!.split('\n')).toEqual([
      "import { describe, expect, it, vi } from 'vitest'",
      "import { f, type Options } from '../src/f.js'",
      "import * as fs from 'node:fs'"
    ])
    expect(merged).toContain("describe('f', () => {")
    expect(merged).toContain("describe('f more', () => {")
  })

  it('drops an import whose names are all bound, keeps defaults and side-effect imports', () => {
    const a =
      "import f from '../src/f.js'\nimport './setup.js'\nit('a', () => expect(f).toBeDefined())\n"
    const b =
      "import f, { g } from '../src/f.js'\nimport './setup.js'\nit('b', () => expect(g).toBeDefined())\n"
    const merged = mergeTestFiles([a, b], 'f.test.ts')
    expect(merged.split('\n\n')[0]!.split('\n')).toEqual([
      "import f from '../src/f.js'",
      "import './setup.js'",
      "import { g } from '../src/f.js'"
    ])
  })
})
