/**
 * The real-package set: npm packages nobody here wrote, each pinned, each placed in a repository
 * shaped the way such a package is really tested (ts-jest, plain jest on CommonJS, jest + babel,
 * vitest on ESM, a workspace root), covering the module shapes the explorer meets in the wild.
 */

/** Where a package's files come from. */
export type Source =
  /** `npm pack name@version`, unpacked. */
  | { readonly npm: string }
  /** A GitHub repository's tree at a tag (for TypeScript sources the tarball does not ship). */
  | { readonly github: string; readonly ref: string }

/** The test setup of the prepared repository: the one its own `npm test` would use. */
export type Shape = 'ts-jest' | 'jest' | 'babel-jest' | 'vitest'

export interface PackageSpec {
  /** Row name. */
  readonly id: string
  readonly source: Source
  /** What kind of module this is, for the table. */
  readonly kind: string
  readonly shape: Shape
  /** The changed module: its path in the source and in the prepared repository. */
  readonly module: { readonly from: string; readonly to: string }
  /** An older version of the module for the base commit; without it the base lacks the module. */
  readonly base?: Source
  /**
   * Other files of the source to copy into both commits ([from, to]); without it, everything the
   * npm tarball holds except the module and its package.json.
   */
  readonly files?: readonly (readonly [string, string])[]
  /** `"type": "module"` in the prepared package.json. */
  readonly esm?: boolean
  /** Runtime dependencies, installed into a cache outside the repository. */
  readonly dependencies?: Readonly<Record<string, string>>
  /** The tsconfig.json of the repository (ts-jest): a file of the source, or our typical one. */
  readonly tsconfig?: string
  /** Workspace layout: the package lives under this folder of a workspace root. */
  readonly workspace?: string
}

export const PACKAGES: readonly PackageSpec[] = [
  {
    id: 'iso8601-duration',
    source: { github: 'tolu/ISO8601-duration', ref: 'v2.1.2' },
    kind: 'TS, named exports only, duration parser',
    shape: 'ts-jest',
    module: { from: 'src/index.ts', to: 'src/index.ts' },
    files: [['README.md', 'README.md']],
    tsconfig: 'tsconfig.json'
  },
  {
    id: 'async-mutex',
    source: { github: 'DirtyHairy/async-mutex', ref: 'v0.5.0' },
    kind: 'TS class, promises (0.4.1 -> 0.5.0)',
    shape: 'ts-jest',
    module: { from: 'src/Semaphore.ts', to: 'src/Semaphore.ts' },
    base: { github: 'DirtyHairy/async-mutex', ref: 'v0.4.1' },
    files: [
      ['src/Mutex.ts', 'src/Mutex.ts'],
      ['src/MutexInterface.ts', 'src/MutexInterface.ts'],
      ['src/SemaphoreInterface.ts', 'src/SemaphoreInterface.ts'],
      ['src/errors.ts', 'src/errors.ts'],
      ['src/index.ts', 'src/index.ts'],
      ['src/tryAcquire.ts', 'src/tryAcquire.ts'],
      ['src/withTimeout.ts', 'src/withTimeout.ts'],
      ['README.md', 'README.md']
    ],
    tsconfig: 'tsconfig.json',
    dependencies: { tslib: '2.8.1' }
  },
  {
    id: 'fecha',
    // The commit published as 4.2.3 (the repository has no tag for it); its tsconfig is the one
    // its source type-checks under.
    source: { github: 'taylorhakes/fecha', ref: '2aa169dea2746dca03187abbfcceecf9002f9dd4' },
    kind: 'TS, date format/parse strings',
    shape: 'ts-jest',
    module: { from: 'src/fecha.ts', to: 'src/fecha.ts' },
    files: [
      ['README.md', 'README.md'],
      ['LICENSE', 'LICENSE']
    ],
    tsconfig: 'tsconfig.json'
  },
  {
    id: 'tinycolor2',
    source: { npm: 'tinycolor2@1.4.2' },
    kind: 'UMD factory without new, colour strings',
    shape: 'jest',
    module: { from: 'tinycolor.js', to: 'tinycolor.js' },
    files: [
      ['README.md', 'README.md'],
      ['LICENSE', 'LICENSE']
    ]
  },
  {
    id: 'eventemitter3',
    source: { npm: 'eventemitter3@4.0.7' },
    kind: 'ES5 constructor + prototype',
    shape: 'jest',
    module: { from: 'index.js', to: 'index.js' },
    files: [
      ['index.d.ts', 'index.d.ts'],
      ['README.md', 'README.md']
    ]
  },
  {
    id: 'retry',
    source: { npm: 'retry@0.13.1' },
    kind: 'ES5 constructor, callbacks and timers',
    shape: 'jest',
    module: { from: 'lib/retry_operation.js', to: 'lib/retry_operation.js' },
    files: [
      ['index.js', 'index.js'],
      ['lib/retry.js', 'lib/retry.js'],
      ['README.md', 'README.md']
    ]
  },
  {
    id: 'p-map',
    source: { npm: 'p-map@4.0.0' },
    kind: 'CJS promise API, runtime dependency',
    shape: 'jest',
    module: { from: 'index.js', to: 'index.js' },
    files: [
      ['index.d.ts', 'index.d.ts'],
      ['readme.md', 'readme.md']
    ],
    dependencies: { 'aggregate-error': '3.1.0' }
  },
  {
    id: 'bytes',
    source: { npm: 'bytes@3.1.2' },
    kind: 'CJS, byte-size strings',
    shape: 'jest',
    module: { from: 'index.js', to: 'index.js' },
    files: [['Readme.md', 'Readme.md']]
  },
  {
    id: 'i18n-iso-countries',
    source: { npm: 'i18n-iso-countries@7.14.0' },
    kind: 'CJS, country codes, JSON data',
    shape: 'jest',
    module: { from: 'index.js', to: 'index.js' },
    dependencies: { diacritics: '1.3.0' }
  },
  {
    id: 'jsonfile',
    source: { npm: 'jsonfile@6.1.0' },
    kind: 'CJS, callbacks and promises over the file system',
    shape: 'jest',
    module: { from: 'index.js', to: 'index.js' },
    files: [
      ['utils.js', 'utils.js'],
      ['README.md', 'README.md']
    ],
    dependencies: { universalify: '2.0.1' }
  },
  {
    id: 'dateformat',
    source: { github: 'felixge/node-dateformat', ref: 'v5.0.3' },
    kind: 'ESM syntax via babel, date masks',
    shape: 'babel-jest',
    module: { from: 'src/dateformat.js', to: 'src/dateformat.js' },
    files: [['Readme.md', 'Readme.md']]
  },
  {
    id: 'yocto-queue',
    source: { npm: 'yocto-queue@1.1.1' },
    kind: 'ESM class with private fields',
    shape: 'vitest',
    esm: true,
    module: { from: 'index.js', to: 'index.js' },
    files: [
      ['index.d.ts', 'index.d.ts'],
      ['readme.md', 'readme.md']
    ]
  },
  {
    id: 'parse-ms',
    source: { npm: 'parse-ms@4.0.0' },
    kind: 'ESM, durations',
    shape: 'vitest',
    esm: true,
    module: { from: 'index.js', to: 'index.js' },
    files: [
      ['index.d.ts', 'index.d.ts'],
      ['readme.md', 'readme.md']
    ]
  },
  {
    id: 'pretty-ms',
    source: { npm: 'pretty-ms@9.2.0' },
    kind: 'ESM, options bag, runtime dependency',
    shape: 'vitest',
    esm: true,
    module: { from: 'index.js', to: 'index.js' },
    files: [
      ['index.d.ts', 'index.d.ts'],
      ['readme.md', 'readme.md']
    ],
    dependencies: { 'parse-ms': '4.0.0' }
  },
  {
    id: 'content-type',
    source: { npm: 'content-type@1.0.5' },
    kind: 'CJS header parser in a workspace',
    shape: 'jest',
    workspace: 'packages/content-type',
    module: { from: 'index.js', to: 'index.js' },
    files: [['README.md', 'README.md']]
  }
]
