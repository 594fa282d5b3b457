// Bundles the action (dist/index.js), the CLI (dist/cli.js) and the child-process entries that
// TestMaster spawns itself. The target repository's jest/vitest are never bundled: runners
// resolve them from the target project at run time.
import commonjs from '@rollup/plugin-commonjs'
import json from '@rollup/plugin-json'
import { nodeResolve } from '@rollup/plugin-node-resolve'
import esbuild from 'rollup-plugin-esbuild'
import { chmodSync, existsSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

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

// The analysis needs TypeScript's lib.*.d.ts at run time; bundled, TypeScript cannot find them in
// its package, so they ship beside the chunks (src/analysis/project.ts looks for them there).
function typescriptLib() {
  const libDir = dirname(createRequire(import.meta.url).resolve('typescript/lib/lib.es5.d.ts'))
  return {
    name: 'typescript-lib',
    generateBundle() {
      for (const file of readdirSync(libDir)
        .filter((f) => /^lib(?:\..+)?\.d\.ts$/.test(f))
        .sort())
        this.emitFile({
          type: 'asset',
          fileName: `typescript-lib/${file}`,
          source: readFileSync(join(libDir, file), 'utf8')
        })
    }
  }
}

// dist/cli.js is the package's bin: executable, so `npm link` and a clone's `./dist/cli.js` work
// without changing the committed file's mode.
function executableCli() {
  return {
    name: 'executable-cli',
    writeBundle(options) {
      chmodSync(join(options.dir ?? 'dist', 'cli.js'), 0o755)
    }
  }
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
    json(),
    typescriptLib(),
    executableCli()
  ]
}
