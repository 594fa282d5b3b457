/**
 * Runs the action the way the Actions runner does: a child `node dist/index.js` with INPUT_*
 * variables (upper-cased, hyphens kept), GITHUB_EVENT_NAME/PATH, GITHUB_OUTPUT,
 * GITHUB_STEP_SUMMARY, GITHUB_API_URL, GITHUB_WORKSPACE, and reads back what it wrote.
 *
 * `TESTMASTER_E2E_FROM_SOURCE=1` runs `src/action/index.ts` through tsx instead of the bundle
 * (for working on the action before a build); `TESTMASTER_E2E_DIST=<dir>` runs a bundle built
 * elsewhere (`rollup -c -d <dir>`). CI runs the committed `dist/`.
 */
import { execFile, type ChildProcess } from 'node:child_process'
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parse } from 'yaml'
import { REPO_ROOT } from './fixture-project.js'

/** INPUT_* for every input of action.yml that has a default, as the runner sets them. */
async function defaultInputs(): Promise<Record<string, string>> {
  const action = parse(await readFile(resolve(REPO_ROOT, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>
  }
  return Object.fromEntries(
    Object.entries(action.inputs)
      .filter(([, input]) => input.default !== undefined && !input.default.includes('${{'))
      .map(([name, input]) => [inputVariable(name), input.default ?? ''])
  )
}

export interface ActionRunResult {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
  readonly outputs: Record<string, string>
  readonly summary: string
  /** What the run left in `$GITHUB_ENV`, `$GITHUB_PATH` and `$GITHUB_STATE`, by variable. */
  readonly commandFiles: Record<string, string>
}

export interface ActionInvocation {
  readonly workspace: string
  readonly eventName: string
  readonly payload: unknown
  readonly apiUrl: string
  readonly inputs?: Record<string, string>
  /** Environment to start from (a git sandbox's env: isolated HOME and git config). */
  readonly baseEnv?: NodeJS.ProcessEnv
  readonly runId?: string
  readonly extraEnv?: NodeJS.ProcessEnv
  /** Called with the action's process once started (to signal it, as a cancelled job is). */
  readonly onSpawn?: (child: ChildProcess) => void
}

/** Parses a GITHUB_OUTPUT file (`name<<delimiter ... delimiter` blocks, or `name=value` lines). */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc?.[1] && heredoc[2]) {
      const value: string[] = []
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i] ?? '')
      outputs[heredoc[1]] = value.join('\n')
    } else if (line.includes('=')) {
      const at = line.indexOf('=')
      outputs[line.slice(0, at)] = line.slice(at + 1)
    }
  }
  return outputs
}

/** The command that starts the action entry. */
export function actionEntry(): string[] {
  if (process.env.TESTMASTER_E2E_FROM_SOURCE === '1')
    return ['--import', 'tsx', resolve(REPO_ROOT, 'src/action/index.ts')]
  return [resolve(process.env.TESTMASTER_E2E_DIST ?? resolve(REPO_ROOT, 'dist'), 'index.js')]
}

/** The INPUT_* variable the runner sets for an input (`INPUT_MAX-COST-USD`). */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

/** Runs the action once in a child process and collects exit code, outputs and summary. */
export async function runActionProcess(invocation: ActionInvocation): Promise<ActionRunResult> {
  const dir = await mkdtemp(join(tmpdir(), 'tm-action-'))
  const eventPath = join(dir, 'event.json')
  const outputPath = join(dir, 'output')
  const summaryPath = join(dir, 'summary.md')
  await writeFile(eventPath, JSON.stringify(invocation.payload))
  await writeFile(outputPath, '')
  await writeFile(summaryPath, '')
  // Where the runner keeps them: a path a test can guess from RUNNER_TEMP.
  const commandDir = join(dir, '_runner_file_commands')
  await mkdir(commandDir)
  const commandFiles = {
    GITHUB_ENV: join(commandDir, 'set_env_e2e'),
    GITHUB_PATH: join(commandDir, 'add_path_e2e'),
    GITHUB_STATE: join(commandDir, 'save_state_e2e')
  }
  for (const path of Object.values(commandFiles)) await writeFile(path, '')
  const env: NodeJS.ProcessEnv = {
    ...(invocation.baseEnv ?? { PATH: process.env.PATH, HOME: process.env.HOME }),
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_EVENT_NAME: invocation.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_API_URL: invocation.apiUrl,
    GITHUB_WORKSPACE: invocation.workspace,
    GITHUB_RUN_ID: invocation.runId ?? '4242',
    GITHUB_RUN_ATTEMPT: '1',
    RUNNER_TEMP: dir,
    ...(await defaultInputs()),
    ...commandFiles,
    [inputVariable('github-token')]: 'ghs_e2e_token_value',
    ...Object.fromEntries(
      Object.entries(invocation.inputs ?? {}).map(([k, v]) => [inputVariable(k), v])
    ),
    ...invocation.extraEnv
  }
  const result = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    const child = execFile(
      process.execPath,
      actionEntry(),
      {
        cwd: invocation.workspace,
        env,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        timeout: 180_000
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        done({ code, stdout, stderr })
      }
    )
    invocation.onSpawn?.(child)
  })
  return {
    exitCode: result.code,
    stdout: result.stdout,
    stderr: result.stderr,
    outputs: parseOutputFile(await readFile(outputPath, 'utf8')),
    summary: await readFile(summaryPath, 'utf8'),
    commandFiles: Object.fromEntries(
      await Promise.all(
        Object.entries(commandFiles).map(async ([k, p]) => [k, await readFile(p, 'utf8')] as const)
      )
    )
  }
}
