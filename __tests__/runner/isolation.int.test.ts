import { afterEach, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, statSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RunnerError } from '../../src/errors.js'
import {
  currentIsolation,
  isolationRefusal,
  resetIsolationProbe,
  type Isolation
} from '../../src/runner/isolation.js'
import { runSandboxed } from '../../src/runner/sandboxed-process.js'
import { processesWith, untilNone } from '../helpers/processes.js'

/**
 * The sandbox itself, against real attacks from a sandboxed child. Where bubblewrap works they run
 * in it; CI must have it (the suite fails there without it), so these are never silently skipped.
 * Elsewhere the documented fallback is what is checked: no isolation, said plainly.
 */

const bwrapOnPath = (process.env.PATH ?? '')
  .split(':')
  .some(
    (dir) => dir !== '' && existsSync(join(dir, 'bwrap')) && statSync(join(dir, 'bwrap')).isFile()
  )
const isolated = currentIsolation().mechanism === 'bubblewrap'
/** The attacks run only in a sandbox; without one the fallback case below speaks. */
const itIsolated = isolated ? it : it.skip

const node = process.execPath

async function tempDir(prefix: string): Promise<string> {
  return realpath(await mkdtemp(join(tmpdir(), prefix)))
}

describe('choosing the isolation', () => {
  const saved = { PATH: process.env.PATH, TESTMASTER_ISOLATION: process.env.TESTMASTER_ISOLATION }
  afterEach(() => {
    process.env.PATH = saved.PATH
    if (saved.TESTMASTER_ISOLATION === undefined) delete process.env.TESTMASTER_ISOLATION
    else process.env.TESTMASTER_ISOLATION = saved.TESTMASTER_ISOLATION
    resetIsolationProbe()
  })

  it('uses bubblewrap where it is installed; CI must have it', () => {
    if (process.env.CI) {
      // CI runs the sandbox for real: a missing bwrap is a broken CI image, not a skip.
      expect({ bwrapOnPath, isolation: currentIsolation() }).toMatchObject({
        bwrapOnPath: true,
        isolation: { mechanism: 'bubblewrap' }
      })
    }
    if (bwrapOnPath) {
      expect(currentIsolation()).toMatchObject({
        mechanism: 'bubblewrap',
        detail: expect.stringMatching(/^bubblewrap \S+: own PID, network/)
      })
    }
  })

  it('falls back to none, saying why, where bubblewrap is missing', () => {
    process.env.PATH = '/nonexistent'
    resetIsolationProbe()
    expect(currentIsolation()).toEqual({
      mechanism: 'none',
      detail: 'bubblewrap (bwrap) is not installed'
    })
  })

  it('TESTMASTER_ISOLATION=bubblewrap demands the sandbox; =none turns it off; anything else is an error', () => {
    process.env.PATH = '/nonexistent'
    process.env.TESTMASTER_ISOLATION = 'bubblewrap'
    resetIsolationProbe()
    expect(() => currentIsolation()).toThrow(RunnerError)
    expect(() => currentIsolation()).toThrow(/no bubblewrap sandbox could be started/)

    process.env.TESTMASTER_ISOLATION = 'none'
    resetIsolationProbe()
    expect(currentIsolation()).toEqual({
      mechanism: 'none',
      detail: 'turned off (TESTMASTER_ISOLATION=none)'
    })

    process.env.TESTMASTER_ISOLATION = 'docker'
    resetIsolationProbe()
    expect(() => currentIsolation()).toThrow(
      "TESTMASTER_ISOLATION must be auto, bubblewrap or none, got 'docker'"
    )
  })

  it('without isolation, secrets handed to fork code refuse the run; a same-repo PR still runs', () => {
    const none: Isolation = { mechanism: 'none', detail: 'bubblewrap (bwrap) is not installed' }
    const base = { fork: false, llmKey: true, allowForks: false, pullRequestTarget: false }
    expect(isolationRefusal(none, base)).toBeUndefined()
    expect(isolationRefusal(none, { ...base, fork: true, llmKey: false })).toBeUndefined()
    expect(isolationRefusal(none, { ...base, fork: true })).toMatch(
      /^TestMaster refuses to run: the LLM would run on a fork PR with the API key present, and no sandbox is available .*\(bubblewrap \(bwrap\) is not installed\)/
    )
    expect(
      isolationRefusal(none, { ...base, fork: true, llmKey: false, allowForks: true })
    ).toMatch(/github\.allow-forks runs fork code with the repository secrets/)
    expect(isolationRefusal(none, { ...base, pullRequestTarget: true })).toMatch(
      /pull_request_target runs the PR code with the repository secrets/
    )
    const sandboxed: Isolation = { mechanism: 'bubblewrap', detail: 'bubblewrap 0.8.0' }
    expect(
      isolationRefusal(sandboxed, {
        fork: true,
        llmKey: true,
        allowForks: true,
        pullRequestTarget: true
      })
    ).toBeUndefined()
  })
})

describe('the sandbox against PR code', () => {
  it('says which mechanism is in force (the fallback is visible, never silent)', () => {
    const isolation = currentIsolation()
    if (!bwrapOnPath) expect(isolation.mechanism).toBe('none')
    expect(isolation.detail.length).toBeGreaterThan(10)
  })

  itIsolated(
    'SECURITY 31: a child reading /proc/*/environ, its ancestors and .git/config finds no secret',
    async () => {
      const repo = await tempDir('tm-iso-repo-')
      try {
        const token = `ghs_checkout${randomUUID().replace(/-/g, '')}`
        execFileSync('git', ['init', '-q', repo])
        execFileSync('git', [
          '-C',
          repo,
          'config',
          'http.https://github.com/.extraheader',
          `AUTHORIZATION: basic ${token}`
        ])
        await writeFile(join(repo, 'probe.js'), PROC_PROBE)
        // What the action's own process carries in its original environ.
        const secret = `sk-isolation-${randomUUID()}`
        const result = await runSandboxed({
          command: node,
          args: ['probe.js'],
          cwd: repo,
          env: { 'INPUT_API-KEY': secret, ACTIONS_RUNTIME_TOKEN: secret },
          timeoutMs: 30_000
        })
        expect(result).toMatchObject({ status: 'exited', exitCode: 0 })
        const seen = JSON.parse(result.stdout) as ProcProbe
        // It looked: its own namespace's processes, and its ancestors up to the namespace's init.
        expect(seen.pids.length).toBeGreaterThan(0)
        expect(seen.ancestors.length).toBeGreaterThan(0)
        // Our own pid (the parent of the sandbox) is not among what it sees.
        expect(seen.cmdlines.join('\n')).not.toContain(process.argv[1] ?? 'jest')
        expect(seen.environ).not.toContain(secret)
        expect(seen.environ).not.toMatch(/INPUT_|ACTIONS_RUNTIME_TOKEN/)
        // `.git` is an empty tmpfs in the sandbox.
        expect(seen.gitConfig).toBe('ENOENT')
        expect(result.stdout).not.toContain(token)
        expect(result.stdout).not.toContain(secret)
      } finally {
        await rm(repo, { recursive: true, force: true })
      }
    }
  )

  itIsolated(
    'SECURITY 32: a child connecting to a listener on 127.0.0.1 gets nothing out',
    async () => {
      const requests: string[] = []
      const server = createServer((request, response) => {
        requests.push(`${request.method} ${request.url}`)
        response.end('ok')
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      const port = (server.address() as AddressInfo).port
      try {
        const result = await runSandboxed({
          command: node,
          args: [
            '-e',
            `const f = Reflect.get(globalThis, 'fe' + 'tch')
           const http = require(['ht', 'tp'].join(''))
           const viaHttp = new Promise((resolve) => {
             const req = http.get('http://127.0.0.1:${port}/http', () => resolve('reached'))
             req.on('error', (e) => resolve(e.code))
           })
           Promise.all([
             f('http://127.0.0.1:${port}/fetch').then(() => 'reached', (e) => String(e.cause?.code ?? e)),
             viaHttp
           ]).then((r) => console.log(JSON.stringify(r)))`
          ],
          cwd: tmpdir(),
          timeoutMs: 30_000
        })
        expect(result).toMatchObject({ status: 'exited', exitCode: 0 })
        const [viaFetch, viaHttp] = JSON.parse(result.stdout) as [string, string]
        expect(viaFetch).toBe('ECONNREFUSED')
        expect(viaHttp).toBe('ECONNREFUSED')
        expect(requests).toEqual([])
      } finally {
        await new Promise((resolve) => server.close(resolve))
      }
    }
  )

  itIsolated(
    'SECURITY 33: writes outside the writable dirs (the repo, ../x, $HOME/.gitconfig) do not survive',
    async () => {
      const root = await tempDir('tm-iso-writes-')
      const repo = join(root, 'repo')
      const out = join(root, 'out')
      try {
        await mkdir(join(repo, '.github', 'workflows'), { recursive: true })
        await mkdir(out)
        execFileSync('git', ['init', '-q', repo])
        await writeFile(join(repo, 'jest.config.js'), 'module.exports = {}\n')
        const home = join(root, 'home')
        await mkdir(home)
        const result = await runSandboxed({
          command: node,
          args: [
            '-e',
            `const fs = require('fs'), path = require('path'), os = require('os')
             const tries = {
               workflow: path.join(process.cwd(), '.github', 'workflows', 'x.yml'),
               outside: path.join(process.cwd(), '..', 'x'),
               config: path.join(process.cwd(), 'jest.config.js'),
               gitconfig: path.join(os.homedir(), '.gitconfig'),
               attributes: path.join(process.cwd(), '.git', 'info', 'attributes'),
               allowed: path.join(${JSON.stringify(out)}, 'result.txt')
             }
             const outcome = {}
             for (const [name, file] of Object.entries(tries)) {
               try { fs.mkdirSync(path.dirname(file), { recursive: true }); fs.writeFileSync(file, 'pwned'); outcome[name] = 'written' }
               catch (e) { outcome[name] = e.code }
             }
             console.log(JSON.stringify(outcome))`
          ],
          cwd: repo,
          env: { HOME: home },
          writable: [out],
          timeoutMs: 30_000
        })
        const outcome = JSON.parse(result.stdout) as Record<string, string>
        expect(outcome).toMatchObject({ workflow: 'EROFS', config: 'EROFS', allowed: 'written' })
        expect(existsSync(join(repo, '.github', 'workflows', 'x.yml'))).toBe(false)
        // Beside the repo is the sandbox's private /tmp (or a read-only tree): gone either way.
        expect(outcome.outside).toMatch(/^(written|EROFS)$/)
        expect(existsSync(join(root, 'x'))).toBe(false)
        expect(await readFile(join(repo, 'jest.config.js'), 'utf8')).toBe('module.exports = {}\n')
        // A private tmpfs: the write works in there and is gone with the sandbox.
        expect(outcome.gitconfig).toBe('written')
        expect(existsSync(join(home, '.gitconfig'))).toBe(false)
        // `.git` is an empty read-only tmpfs: nothing reaches the real one.
        expect(outcome.attributes).toMatch(/EROFS|ENOENT/)
        expect(existsSync(join(repo, '.git', 'info', 'attributes'))).toBe(false)
        expect(await readFile(join(out, 'result.txt'), 'utf8')).toBe('pwned')
      } finally {
        await rm(root, { recursive: true, force: true })
      }
    }
  )

  it('SECURITY 35: `setsid env -i sh -c "sleep … &"` is gone when the run ends', async () => {
    // A unique duration names the sleeper on the host, whatever pid namespace it had.
    const seconds = `1000.${Date.now() % 1_000_000}${Math.floor(Math.random() * 1000)}`
    const result = await runSandboxed({
      command: 'sh',
      args: ['-c', `setsid env -i sh -c 'sleep ${seconds} &' ; sleep 1`],
      cwd: tmpdir(),
      timeoutMs: 30_000
    })
    expect(result).toMatchObject({ status: 'exited', exitCode: 0 })
    if (isolated) {
      // The namespace's init died with the command, and the kernel took everything in it.
      expect(await untilNone(() => processesWith(seconds))).toEqual([])
    } else {
      // Documented limit without a sandbox: `env -i` sheds the marker, so it may survive.
      for (const pid of processesWith(seconds)) process.kill(pid, 'SIGKILL')
    }
  })

  itIsolated('the IPC channel of a warm child passes through the sandbox', async () => {
    const { spawnSandboxed, killSandbox } = await import('../../src/runner/sandboxed-process.js')
    const child = spawnSandboxed({
      command: node,
      args: [
        '-e',
        'process.on("message", (m) => process.send({ echo: m, uid: process.getuid() }))'
      ],
      cwd: tmpdir(),
      ipc: true
    })
    try {
      const reply = new Promise((resolve) => child.once('message', resolve))
      child.send({ hello: 'sandbox' })
      expect(await reply).toEqual({ echo: { hello: 'sandbox' }, uid: expect.any(Number) })
    } finally {
      killSandbox(child.pid ?? 0)
    }
  })
})

interface ProcProbe {
  readonly pids: string[]
  readonly ancestors: number[]
  readonly cmdlines: string[]
  readonly environ: string
  readonly gitConfig: string
}

/** PR code that looks for secrets where the red team found them. Paths are built at run time. */
const PROC_PROBE = `const fs = require('fs')
const path = require('path')
const root = '/' + ['pr', 'oc'].join('')
const read = (file) => { try { return fs.readFileSync(file, 'utf8') } catch (e) { return '' } }
const pids = fs.readdirSync(root).filter((e) => /^\\d+$/.test(e))
const ancestors = []
for (let pid = process.pid; pid > 0 && ancestors.length < 20; ) {
  ancestors.push(pid)
  const status = read(path.join(root, String(pid), 'status'))
  pid = Number((/PPid:\\s*(\\d+)/.exec(status) || [])[1] || 0)
}
const environ = [...new Set([...pids, ...ancestors.map(String)])]
  .map((pid) => read(path.join(root, pid, 'environ')))
  .join('\\n')
const cmdlines = pids.map((pid) => read(path.join(root, pid, 'cmdline')).split('\\0').join(' '))
let gitConfig
try { gitConfig = fs.readFileSync(path.join(process.cwd(), '.git', 'config'), 'utf8') }
catch (e) { gitConfig = e.code }
console.log(JSON.stringify({ pids, ancestors, cmdlines, environ, gitConfig }))
`
