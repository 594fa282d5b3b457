import { readFile } from 'node:fs/promises'
import type { CoverageMapData, FileCoverageData } from 'istanbul-lib-coverage'
import { createInstrumenter } from 'istanbul-lib-instrument'

function parserPlugins(file: string): string[] {
  if (/\.(c|m)?tsx$/.test(file)) return ['typescript', 'jsx', 'decorators-legacy']
  if (/\.(c|m)?ts$/.test(file)) return ['typescript', 'decorators-legacy']
  return ['jsx']
}

/**
 * Coverage with every hit at zero for one source file: what it takes to cover it, before any test
 * ran. Built by instrumenting the source (istanbul-lib-instrument, which the frameworks' istanbul
 * support also uses). Undefined when the file cannot be read or parsed.
 */
export async function emptyFileCoverage(file: string): Promise<FileCoverageData | undefined> {
  let code: string
  try {
    code = await readFile(file, 'utf8')
  } catch {
    return undefined
  }
  // Modules first; a script that is not valid as a module (sloppy-mode CommonJS) second.
  for (const esModules of [true, false]) {
    try {
      const instrumenter = createInstrumenter({
        esModules,
        produceSourceMap: false,
        parserPlugins: parserPlugins(file)
      })
      instrumenter.instrumentSync(code, file)
      return { ...instrumenter.lastFileCoverage(), path: file }
    } catch {
      continue
    }
  }
  return undefined
}

/** An all-zero map of the given source files (those that parse). */
export async function emptyCoverage(files: readonly string[]): Promise<CoverageMapData> {
  const data: CoverageMapData = {}
  for (const file of files) {
    const fileCoverage = await emptyFileCoverage(file)
    if (fileCoverage) data[file] = fileCoverage
  }
  return data
}
