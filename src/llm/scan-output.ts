import ts from 'typescript'

/**
 * The output scan (SECURITY 24): model code is untrusted, and a PR can carry a prompt injection.
 * Before a candidate is written or run, its syntax tree is checked for what a unit test never
 * needs: reading the environment, network access, child processes, dynamic code, process control,
 * and file paths outside the test. The sandbox (scrubbed env, process group, limits) stays the
 * second line of defence; this scan keeps such code out of the commit in the first place.
 */

export interface ScanFinding {
  readonly rule: 'env' | 'network' | 'process' | 'dynamic-code' | 'path'
  /** 1-based line of the finding. */
  readonly line: number
  readonly detail: string
}

export type ScanResult =
  | { readonly status: 'clean' }
  | {
      readonly status: 'rejected'
      readonly reason: string
      readonly findings: readonly ScanFinding[]
    }

const NETWORK_MODULES = new Set([
  'http',
  'https',
  'http2',
  'net',
  'tls',
  'dgram',
  'dns',
  'undici',
  'node-fetch',
  'axios',
  'got',
  'ws',
  'socket.io-client',
  'request',
  'superagent',
  'cross-fetch',
  'isomorphic-fetch'
])
const PROCESS_MODULES = new Set([
  'child_process',
  'worker_threads',
  'cluster',
  'vm',
  'inspector',
  'repl',
  'module',
  'v8',
  'execa',
  'shelljs',
  'cross-spawn'
])
const FS_MODULES = new Set(['fs', 'fs/promises', 'fs-extra', 'graceful-fs'])
const NETWORK_GLOBALS = new Set([
  'fetch',
  'XMLHttpRequest',
  'WebSocket',
  'EventSource',
  'Deno',
  'Bun'
])
const DYNAMIC_GLOBALS = new Set(['eval', 'Function'])
const PROCESS_MEMBERS = new Set([
  'binding',
  '_linkedBinding',
  'dlopen',
  'kill',
  'exit',
  'abort',
  'chdir',
  'setuid',
  'setgid',
  'mainModule',
  'reallyExit',
  'getBuiltinModule'
])
const SENSITIVE_TEXT =
  /(^|[^\w])(\.github|GITHUB_[A-Z_]+|ACTIONS_[A-Z_]+|OPENAI_API_KEY|\.ssh|\.npmrc|\.git\/|id_rsa|\/etc\/|\/proc\/)/

function bare(specifier: string): string {
  const name = specifier.replace(/^node:/, '')
  // `fs/promises` stays as is; `axios/lib/x` -> `axios`; `@scope/pkg/x` -> `@scope/pkg`.
  if (FS_MODULES.has(name)) return name
  const parts = name.split('/')
  return name.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? name)
}

/** Scans test code for capabilities a unit test must not use. */
export function scanTestCode(code: string, fileName = 'candidate.test.ts'): ScanResult {
  const source = ts.createSourceFile(
    fileName,
    code,
    ts.ScriptTarget.Latest,
    true,
    fileName.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS
  )
  const findings: ScanFinding[] = []
  const add = (node: ts.Node, rule: ScanFinding['rule'], detail: string): void => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1
    findings.push({ rule, line, detail })
  }
  const specifierNodes = new Set<ts.Node>()
  let usesFs = false

  const checkSpecifier = (node: ts.Node, specifier: string): void => {
    specifierNodes.add(node)
    const name = bare(specifier)
    if (NETWORK_MODULES.has(name)) add(node, 'network', `imports '${specifier}'`)
    if (PROCESS_MODULES.has(name)) add(node, 'process', `imports '${specifier}'`)
    if (FS_MODULES.has(name)) usesFs = true
    if (/^(\/|[A-Za-z]:[\\/]|~)/.test(specifier))
      add(node, 'path', `imports from an absolute path '${specifier}'`)
  }

  const isNamePosition = (node: ts.Identifier): boolean => {
    const parent = node.parent
    return (
      (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
      (ts.isPropertyAssignment(parent) && parent.name === node) ||
      (ts.isMethodDeclaration(parent) && parent.name === node) ||
      (ts.isPropertyDeclaration(parent) && parent.name === node) ||
      ts.isImportSpecifier(parent) ||
      ts.isExportSpecifier(parent) ||
      ts.isBindingElement(parent) ||
      (ts.isPropertySignature(parent) && parent.name === node)
    )
  }

  /** `process`, `globalThis.process`, `global.process`, `globalThis['process']`. */
  const isProcess = (node: ts.Expression): boolean => {
    if (ts.isIdentifier(node)) return node.text === 'process'
    if (ts.isPropertyAccessExpression(node))
      return (
        node.name.text === 'process' &&
        ts.isIdentifier(node.expression) &&
        /^(globalThis|global|window|self)$/.test(node.expression.text)
      )
    if (ts.isElementAccessExpression(node))
      return ts.isIdentifier(node.expression) && /^(globalThis|global)$/.test(node.expression.text)
    return false
  }

  /** A write to one named variable (`process.env.X = 'v'`, `delete process.env.X`) is allowed: tests set inputs. */
  const isEnvWrite = (envAccess: ts.Node): boolean => {
    const member = envAccess.parent
    if (
      !member ||
      !(
        ts.isPropertyAccessExpression(member) ||
        (ts.isElementAccessExpression(member) && ts.isStringLiteral(member.argumentExpression))
      )
    )
      return false
    if (member.expression !== envAccess) return false
    const use = member.parent
    if (
      ts.isBinaryExpression(use) &&
      use.left === member &&
      use.operatorToken.kind === ts.SyntaxKind.EqualsToken
    )
      return true
    return ts.isDeleteExpression(use)
  }

  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      checkSpecifier(node.moduleSpecifier, node.moduleSpecifier.text)
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      checkSpecifier(node.moduleReference.expression, node.moduleReference.expression.text)
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression
      const first = node.arguments[0]
      const calleeText = callee.getText(source)
      const loads =
        callee.kind === ts.SyntaxKind.ImportKeyword ||
        /^(require|jest\.(mock|requireActual|requireMock|doMock|unstable_mockModule|createMockFromModule)|vi\.(mock|doMock|importActual|importMock)|require\.resolve)$/.test(
          calleeText
        )
      if (loads) {
        if (first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first)))
          checkSpecifier(first, first.text)
        else if (calleeText === 'require' || callee.kind === ts.SyntaxKind.ImportKeyword)
          add(
            node,
            'dynamic-code',
            `${calleeText === 'require' ? 'require' : 'import'}() of a computed module name`
          )
      }
    } else if (
      ts.isPropertyAccessExpression(node) &&
      ts.isMetaProperty(node.expression) &&
      node.name.text === 'env'
    ) {
      add(node, 'env', 'reads import.meta.env')
    } else if (ts.isPropertyAccessExpression(node) && isProcess(node.expression)) {
      if (node.name.text === 'env' && !isEnvWrite(node))
        add(node, 'env', `reads ${node.getText(source)}`)
      if (PROCESS_MEMBERS.has(node.name.text))
        add(node, 'process', `uses process.${node.name.text}`)
    } else if (ts.isElementAccessExpression(node) && isProcess(node.expression)) {
      const key = node.argumentExpression
      if (ts.isStringLiteral(key) && key.text === 'env') {
        if (!isEnvWrite(node)) add(node, 'env', `reads ${node.getText(source)}`)
      } else if (!(ts.isStringLiteral(key) && !PROCESS_MEMBERS.has(key.text)))
        add(node, 'process', `computed access on process: ${node.getText(source)}`)
    } else if (ts.isIdentifier(node) && !isNamePosition(node)) {
      if (NETWORK_GLOBALS.has(node.text)) add(node, 'network', `uses ${node.text}`)
      if (DYNAMIC_GLOBALS.has(node.text)) add(node, 'dynamic-code', `uses ${node.text}`)
      // `const p = process; p.env`: the object itself may not escape into a value.
      const parent = node.parent
      if (
        node.text === 'process' &&
        !(
          (ts.isPropertyAccessExpression(parent) || ts.isElementAccessExpression(parent)) &&
          parent.expression === node
        )
      ) {
        add(node, 'process', 'uses the process object as a value')
      }
    } else if (
      ts.isPropertyAccessExpression(node) &&
      ts.isIdentifier(node.expression) &&
      /^(globalThis|global|window|self)$/.test(node.expression.text)
    ) {
      if (NETWORK_GLOBALS.has(node.name.text) || DYNAMIC_GLOBALS.has(node.name.text))
        add(
          node,
          node.name.text === 'eval' || node.name.text === 'Function' ? 'dynamic-code' : 'network',
          `uses ${node.getText(source)}`
        )
    } else if (
      ts.isElementAccessExpression(node) &&
      ts.isIdentifier(node.expression) &&
      /^(globalThis|global|window|self)$/.test(node.expression.text)
    ) {
      add(
        node,
        'dynamic-code',
        `computed access on ${node.expression.text}: ${node.getText(source)}`
      )
    } else if (
      ts.isPropertyAccessExpression(node) &&
      /^(homedir|userInfo|hostname|networkInterfaces)$/.test(node.name.text) &&
      /^(os|node:os)$/.test(node.expression.getText(source))
    ) {
      add(node, 'path', `uses ${node.getText(source)}`)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)

  // Strings: secrets and workflow paths anywhere; parent-directory or absolute paths when the test touches files.
  const strings = (node: ts.Node): void => {
    if (
      (ts.isStringLiteral(node) ||
        ts.isNoSubstitutionTemplateLiteral(node) ||
        ts.isTemplateHead(node) ||
        ts.isTemplateMiddle(node) ||
        ts.isTemplateTail(node)) &&
      !specifierNodes.has(node)
    ) {
      const text = node.text
      if (SENSITIVE_TEXT.test(text))
        add(node, 'path', `mentions ${JSON.stringify(text.slice(0, 60))}`)
      else if (
        usesFs &&
        (/(^|[\\/])\.\.([\\/]|$)/.test(text) || /^(\/|[A-Za-z]:[\\/]|~[\\/])/.test(text))
      )
        add(
          node,
          'path',
          `file path outside the test's temp dir: ${JSON.stringify(text.slice(0, 60))}`
        )
    }
    ts.forEachChild(node, strings)
  }
  strings(source)

  if (findings.length === 0) return { status: 'clean' }
  const first = findings
    .slice(0, 3)
    .map((f) => `line ${f.line}: ${f.detail}`)
    .join('; ')
  return {
    status: 'rejected',
    reason: `output scan rejected the test file (${[...new Set(findings.map((f) => f.rule))].join(', ')}): ${first}${findings.length > 3 ? `; and ${findings.length - 3} more` : ''}`,
    findings
  }
}
