// Bundles the action (dist/index.js), the CLI (dist/cli.js) and the child-process entries that
// TestMaster spawns itself. The target repository's jest/vitest are never bundled: runners
// resolve them from the target project at run time.
import commonjs from '@rollup/plugin-commonjs'
import json from '@rollup/plugin-json'
import { nodeResolve } from '@rollup/plugin-node-resolve'
import typescript from '@rollup/plugin-typescript'
import { existsSync } from 'node:fs'

const childEntries = {
  'explorer-child': 'src/generate/strategies/explorer/explorer-child.ts',
  'vitest-worker': 'src/runner/vitest-worker.ts'
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
    sourcemap: true,
    entryFileNames: '[name].js',
    chunkFileNames: 'chunks/[name].js',
    banner: (chunk) => (chunk.name === 'cli' ? '#!/usr/bin/env node' : '')
  },
  external: [/^node:/, 'jest', 'vitest', /^vitest\//, /^@jest\//, 'ts-node', 'tsx'],
  onwarn(warning, warn) {
    // typescript and some SDKs use eval/this at top level; these are known and harmless here.
    if (['THIS_IS_UNDEFINED', 'EVAL', 'CIRCULAR_DEPENDENCY'].includes(warning.code)) return
    warn(warning)
  },
  plugins: [
    typescript({ tsconfig: './tsconfig.build.json', noEmitOnError: true }),
    nodeResolve({ preferBuiltins: true, exportConditions: ['node', 'import', 'default'] }),
    commonjs({ ignoreDynamicRequires: true }),
    json()
  ]
}
