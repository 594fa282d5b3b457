import type { ModuleNamespace } from './program-runner.js'

/**
 * The module as a test file of the repository sees it. Node's `import()` of a CommonJS file gives
 * `module.exports` as `default`; but a module compiled from ESM syntax (TypeScript or babel to
 * CommonJS, marked `__esModule`) is imported by ts-jest, babel-jest and vitest through their
 * interop, where `default` is its `exports.default`. Exploring Node's view would record
 * `area.default(...)` calls that no test of the repo can make.
 */
export function esModuleView(namespace: ModuleNamespace): ModuleNamespace {
  const exportsObject = namespace.default
  if (
    (typeof exportsObject !== 'object' && typeof exportsObject !== 'function') ||
    exportsObject === null ||
    (exportsObject as { __esModule?: unknown }).__esModule !== true
  )
    return namespace
  const compiled = exportsObject as Record<string, unknown>
  const view: ModuleNamespace = {}
  for (const [name, value] of Object.entries(namespace)) {
    if (name !== 'default' && name !== 'module.exports') view[name] = value
  }
  // Names the CommonJS lexer could not see (assigned in a loop, through a helper).
  for (const name of Object.keys(compiled)) {
    if (name !== 'default' && name !== '__esModule' && !(name in view)) view[name] = compiled[name]
  }
  if ('default' in compiled) view.default = compiled.default
  return view
}
