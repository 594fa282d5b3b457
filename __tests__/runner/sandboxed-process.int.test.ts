import { describe, it, expect } from '@jest/globals'
import { randomUUID } from 'node:crypto'
import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  groupAlive,
  markedProcesses,
  runSandboxed,
  SANDBOX_MARKER_VARIABLE,
  spawnSandboxed
} from '../../src/runner/sandboxed-process.js'
import { RunnerError } from '../../src/errors.js'
import {
  itWithProc,
  processesIn,
  processesWith,
  untilNone,
  untilSome
} from '../helpers/processes.js'

const node = process.execPath

function script(code: string): string[] {
  return ['-e', code]
}

async function waitGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if (!groupAlive(pid)) return true
    await new Promise((r) => setTimeout(r, 20))
  }
  return false
}

/**
 * A child script that starts a grandchild in a session of its own, `token` on its command line
 * (how the test finds it from outside any pid namespace), and prints its pid.
 */
function detachedGrandchild(token: string): string {
  return `const {spawn}=require("child_process");const c=spawn(process.execPath,["-e","setInterval(()=>{},1000)",${spelledApart(token)}],{detached:true,stdio:"ignore"});c.unref();console.log(c.pid);`
}

/** `token` as a JS expression that builds it, so the script's own command line does not hold it. */
function spelledApart(token: string): string {
  return `${JSON.stringify(token.slice(0, 3))}+${JSON.stringify(token.slice(3))}`
}

describe('runSandboxed', () => {
  it('returns exit code, stdout and stderr of a finished process', async () => {
    const result = await runSandboxed({
      command: node,
      args: script('console.log("out"); console.error("err"); process.exit(3)'),
      cwd: tmpdir(),
      timeoutMs: 10_000
    })
    expect(result).toMatchObject({ status: 'exited', exitCode: 3, signal: null, truncated: false })
    expect(result.stdout).toBe('out\n')
    expect(result.stderr).toBe('err\n')
  })

  it('passes input on stdin and runs in the given cwd', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tm-sandbox-'))
    try {
      const result = await runSandboxed({
        command: node,
        args: script(
          'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(s.toUpperCase()+":"+process.cwd()))'
        ),
        cwd: dir,
        input: 'hello',
        timeoutMs: 10_000
      })
      expect(result.stdout.trim()).toMatch(/^HELLO:.*tm-sandbox-/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('SECURITY 18: secrets are not visible to the child, ordinary variables are', async () => {
    const secrets: Record<string, string> = {
      OPENAI_API_KEY: 'sk-openai-secret-value-1',
      TESTMASTER_API_KEY: 'sk-testmaster-secret-2',
      GITHUB_TOKEN: 'ghs_githubtokensecret3',
      INPUT_API_KEY: 'input-api-key-secret-4',
      'INPUT_GITHUB-TOKEN': 'input-gh-token-secret-5',
      ACTIONS_RUNTIME_TOKEN: 'actions-runtime-secret-6',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'actions-id-token-secret-7',
      GITHUB_ENV: '/tmp/secret-path-github-env',
      GITHUB_OUTPUT: '/tmp/secret-path-github-output',
      GITHUB_PATH: '/tmp/secret-path-github-path',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer otel-secret-8',
      NPM_TOKEN: 'npm-token-secret-9',
      AWS_SECRET_ACCESS_KEY: 'aws-secret-value-10',
      DB_PASSWORD: 'db-password-secret-11',
      COPY_OF_KEY: 'sk-openai-secret-value-1'
    }
    const result = await runSandboxed({
      command: node,
      args: script('console.log(JSON.stringify(process.env))'),
      cwd: tmpdir(),
      env: { ...secrets, CI: 'true', NODE_OPTIONS: '--max-old-space-size=512', MY_SETTING: 'kept' },
      timeoutMs: 10_000
    })
    const env = JSON.parse(result.stdout) as Record<string, string>
    for (const [name, value] of Object.entries(secrets)) {
      expect(env[name]).toBeUndefined()
      expect(result.stdout).not.toContain(value)
    }
    expect(env.CI).toBe('true')
    expect(env.NODE_OPTIONS).toBe('--max-old-space-size=512')
    expect(env.MY_SETTING).toBe('kept')
    expect(env.PATH).toBe(process.env.PATH)
  })

  it('SECURITY 19: a child writing NODE_OPTIONS to $GITHUB_ENV changes nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tm-sandbox-'))
    try {
      const githubEnv = join(dir, 'github_env')
      await writeFile(githubEnv, '')
      const result = await runSandboxed({
        command: node,
        args: script(
          'const fs=require("fs");try{fs.appendFileSync(process.env.GITHUB_ENV,"NODE_OPTIONS=--require /tmp/pwn.js\\n");console.log("wrote")}catch(e){console.log("no GITHUB_ENV")};console.log("NODE_OPTIONS="+(process.env.NODE_OPTIONS??""))'
        ),
        cwd: dir,
        env: { GITHUB_ENV: githubEnv, NODE_OPTIONS: '' },
        timeoutMs: 10_000
      })
      expect(result.stdout).toContain('no GITHUB_ENV')
      expect(result.stdout).toContain('NODE_OPTIONS=\n')
      expect(await readFile(githubEnv, 'utf8')).toBe('')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('SECURITY 20: an endless loop with forked children is killed at the limit with its whole group', async () => {
    const token = `tm-loop-${randomUUID()}`
    const result = await runSandboxed({
      command: node,
      args: script(
        `const {spawn}=require("child_process");spawn(process.execPath,["-e","setInterval(()=>{},1000)",${spelledApart(token)}],{stdio:"ignore"});for(;;){}`
      ),
      cwd: tmpdir(),
      timeoutMs: 3000
    })
    expect(result.status).toBe('timeout')
    expect(await waitGone(result.pid)).toBe(true)
    expect(await untilNone(() => processesWith(token))).toEqual([])
  })

  it('SECURITY 20: 100 MB of output is truncated at the cap and the group killed', async () => {
    const result = await runSandboxed({
      command: node,
      args: script(
        'const b="x".repeat(1<<20);for(let i=0;i<100;i++)process.stdout.write(b);setInterval(()=>{},1000)'
      ),
      cwd: tmpdir(),
      timeoutMs: 30_000,
      maxOutputBytes: 64 * 1024
    })
    expect(result.truncated).toBe(true)
    expect(result.stdout.length).toBeLessThanOrEqual(64 * 1024)
    expect(result.status).toBe('exited')
    if (result.status === 'exited') expect(result.signal).toBe('SIGKILL')
    expect(await waitGone(result.pid)).toBe(true)
  })

  itWithProc(
    'SECURITY 20: a detached grandchild (its own session) is killed at the time limit too',
    async () => {
      const token = `tm-detached-${randomUUID()}`
      const running = runSandboxed({
        command: node,
        args: script(`${detachedGrandchild(token)}setInterval(()=>{},1000)`),
        cwd: tmpdir(),
        timeoutMs: 3000
      })
      // It really ran, in a session of its own: the group kill alone would miss it.
      const seen = await untilSome(() => processesWith(token))
      expect(seen.length).toBeGreaterThan(0)
      const result = await running
      expect(result.status).toBe('timeout')
      expect(await untilNone(() => processesWith(token))).toEqual([])
    }
  )

  itWithProc(
    'SECURITY 20: a detached process left behind by a child that exited normally does not survive the run',
    async () => {
      const token = `tm-left-${randomUUID()}`
      const result = await runSandboxed({
        command: node,
        args: script(detachedGrandchild(token)),
        cwd: tmpdir(),
        timeoutMs: 10_000
      })
      expect(result).toMatchObject({ status: 'exited', exitCode: 0 })
      expect(Number(result.stdout.trim())).toBeGreaterThan(0)
      expect(await untilNone(() => processesWith(token))).toEqual([])
    }
  )

  itWithProc(
    'SECURITY 20: a bounded fork bomb of detached processes is killed at its time limit, all of it',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'tm-sandbox-'))
      try {
        // Every process starts two more in sessions of their own, down to depth 5: 63 in all.
        const tree = join(dir, 'tree.sh')
        const pidFile = join(dir, 'pids')
        await writeFile(
          tree,
          [
            'echo $$ >> "$PID_FILE"',
            'if [ "$1" -lt 5 ]; then',
            '  setsid sh "$0" $(($1 + 1)) &',
            '  setsid sh "$0" $(($1 + 1)) &',
            'fi',
            'exec sleep 1000',
            ''
          ].join('\n')
        )
        const result = await runSandboxed({
          command: 'sh',
          args: [tree, '0'],
          cwd: dir,
          env: { PID_FILE: pidFile },
          writable: [dir],
          // Long enough for all 63 to start on a loaded 2-core machine before the limit hits.
          timeoutMs: 8000
        })
        expect(result.status).toBe('timeout')
        const pids = (await readFile(pidFile, 'utf8')).trim().split('\n').map(Number)
        expect(pids).toHaveLength(63)
        // `sleep` replaced every shell: none may be left, whatever its pid namespace.
        expect(await untilNone(() => processesIn(dir))).toEqual([])
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    }
  )

  it('kills the stragglers a finished leader left in its group', async () => {
    const token = `tm-straggler-${randomUUID()}`
    const result = await runSandboxed({
      command: node,
      args: script(
        `const {spawn}=require("child_process");const c=spawn(process.execPath,["-e","setInterval(()=>{},1000)",${spelledApart(token)}],{stdio:"ignore"});c.unref();console.log(c.pid)`
      ),
      cwd: tmpdir(),
      timeoutMs: 10_000
    })
    expect(result.status).toBe('exited')
    expect(Number(result.stdout.trim())).toBeGreaterThan(0)
    expect(await waitGone(result.pid)).toBe(true)
    expect(await untilNone(() => processesWith(token))).toEqual([])
  })

  it('reports an abort as a result and kills the group', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 300)
    const result = await runSandboxed({
      command: node,
      args: script('setInterval(()=>{},1000)'),
      cwd: tmpdir(),
      timeoutMs: 30_000,
      signal: controller.signal
    })
    expect(result.status).toBe('aborted')
    expect(await waitGone(result.pid)).toBe(true)
  })

  it('rejects with a RunnerError when the command does not exist', async () => {
    await expect(
      runSandboxed({
        command: 'definitely-not-a-command-xyz',
        args: [],
        cwd: tmpdir(),
        timeoutMs: 1000
      })
    ).rejects.toBeInstanceOf(RunnerError)
  })
})

describe('spawnSandboxed', () => {
  itWithProc(
    'SECURITY 20: marks the child, and a detached grandchild dies when the child is killed',
    async () => {
      const token = `tm-spawned-${randomUUID()}`
      const child = spawnSandboxed({
        command: node,
        args: script(
          `${detachedGrandchild(token)}console.log(process.env.${SANDBOX_MARKER_VARIABLE});setInterval(()=>{},1000)`
        ),
        cwd: tmpdir()
      })
      const exited = new Promise((resolve) => child.once('exit', resolve))
      let out = ''
      child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()))
      let marker: string | undefined
      try {
        while (out.split('\n').length < 3) await new Promise((r) => setTimeout(r, 20))
        marker = out.trim().split('\n')[1]
        expect(marker).toMatch(/^[0-9a-f-]{36}$/)
        // The child we spawned and the grandchild that left its session both carry the marker.
        const grandchildren = await untilSome(() => processesWith(token))
        expect(grandchildren).toHaveLength(1)
        const marked = markedProcesses(marker!)
        expect(marked).toContain(child.pid)
        expect(marked).toContain(grandchildren[0])
      } finally {
        child.kill('SIGKILL')
        await exited
      }
      expect(await untilNone(() => processesWith(token))).toEqual([])
      expect(await untilNone(() => markedProcesses(marker!))).toEqual([])
    }
  )
})
