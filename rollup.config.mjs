// Bundles the action (dist/index.js), the CLI (dist/cli.js) and the child-process entries that
// TestMaster spawns itself. The target repository's jest/vitest are never bundled: runners
// resolve them from the target project at run time.
import commonjs from '@rollup/plugin-commonjs'
import json from '@rollup/plugin-json'
import { nodeResolve } from '@rollup/plugin-node-resolve'
import esbuild from 'rollup-plugin-esbuild'
import { existsSync } from 'node:fs'

const childEntries = {
  'explorer-child': 'src/generate/strategies/explorer/explorer-child.ts',
  'warm-jest': 'src/runner/warm-jest.ts',
  'warm-vitest': 'src/runner/warm-vitest.ts'
}

const input = {
  index: 'src/action/index.ts',
  cli: 'src/cli/index.ts',
  ...Object.fromEntries(Object.entries(childEntries).filter(([, path]) => existsSync(path)))
}

export default {
  input,
  output: {
    dir: 'dist',
    format: 'es',
    // No source maps: they would triple a bundle that is committed on every change.
    sourcemap: false,
    entryFileNames: '[name].js',
    // Chunks sit beside the entries: child scripts are found relative to the chunk that spawns them.
    chunkFileNames: 'chunk-[name].js',
    // CommonJS dependencies (the TypeScript compiler detects Node by `typeof require`) need a
    // real `require` inside an ES module bundle.
    intro: [
      "import { createRequire as __testmasterCreateRequire } from 'node:module';",
      'const require = __testmasterCreateRequire(import.meta.url);',
      'const __filename = import.meta.filename;',
      'const __dirname = import.meta.dirname;'
    ].join('\n')
  },
  external: [/^node:/, 'jest', 'vitest', /^vitest\//, /^@jest\//, 'ts-node', 'tsx'],
  onwarn(warning, warn) {
    // typescript and some SDKs use eval/this at top level; these are known and harmless here.
    if (['THIS_IS_UNDEFINED', 'EVAL', 'CIRCULAR_DEPENDENCY'].includes(warning.code)) return
    warn(warning)
  },
  plugins: [
    // Transpile only: `npm run typecheck` (tsc) is the type check, run by CI before the build.
    esbuild({ target: 'node22', tsconfig: './tsconfig.build.json' }),
    nodeResolve({ preferBuiltins: true, exportConditions: ['node', 'import', 'default'] }),
    // @babel/core (via istanbul-lib-instrument) requires this only for .cts Babel configs, which
    // TestMaster never loads; left as a require it is never reached.
    commonjs({
      ignoreDynamicRequires: true,
      ignore: ['@babel/preset-typescript', '@babel/preset-typescript/package.json']
    }),
    json()
  ]
}
