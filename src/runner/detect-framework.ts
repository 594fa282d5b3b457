import type { Framework } from '../analysis/module-model.js'
import { detectPackage } from '../analysis/detect-package.js'

/**
 * Which framework the package at `packageRoot` tests with. The evidence (the `test` script, config
 * files, dependencies, a vite config with a `test` block) is weighed in one place, the analysis's
 * package detection, so a module's planned framework and the runner's never disagree.
 */
export function detectFramework(packageRoot: string): Promise<Framework | undefined> {
  return Promise.resolve(detectPackage(packageRoot, 'package.json').framework)
}
