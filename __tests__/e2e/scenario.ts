/* eslint-disable @typescript-eslint/no-explicit-any -- webhook payloads are edited as plain JSON */
/**
 * A pull request scenario for the action e2e tests: the demo project (examples/demo) as a repo
 * with a base commit on main and the PR commit on `feature`, a bare `origin` (GitHub's storage),
 * the workspace the runner would have (a clone of origin on main), and the fake GitHub server.
 * Event payloads start from real webhook examples (@octokit/webhooks-examples) with our fields.
 */
import { cp, readFile, symlink, writeFile, chmod } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { FakeGitHub } from '../helpers/fake-github-server.js'
import type { FakeOpenAiServer } from '../helpers/fake-openai-server.js'
import { STICKY_MARKER } from '../../src/github/sticky-comment.js'
import { REPO_ROOT } from '../helpers/fixture-project.js'
import {
  createBareOrigin,
  createGitSandbox,
  createWorkRepo,
  fullClone,
  shallowClone,
  type GitSandbox,
  type WorkRepo
} from '../helpers/git-fixtures.js'
import { runActionProcess, type ActionRunResult } from '../helpers/action-env.js'

const require = createRequire(import.meta.url)
const catalog: {
  name: string
  examples: Record<string, any>[]
}[] = require('@octokit/webhooks-examples/api.github.com/index.json')

export function webhookExample(name: string, action?: string): any {
  const found = catalog
    .find((e) => e.name === name)
    ?.examples.find((e) => action === undefined || e.action === action)
  if (!found) throw new Error(`no ${name} ${action ?? ''} example`)
  return structuredClone(found)
}

export const OWNER = 'acme'
export const REPO = 'shop'
export const PR = 1

export interface Scenario {
  readonly sandbox: GitSandbox
  readonly dev: WorkRepo
  readonly origin: string
  readonly workspace: WorkRepo
  readonly gh: FakeGitHub
  pullRequestPayload(
    action: string,
    overrides?: { fork?: boolean; draft?: boolean; labels?: string[] }
  ): Promise<any>
  commentPayload(
    body: string,
    options?: {
      action?: string
      login?: string
      type?: string
      association?: string
      onIssue?: boolean
    }
  ): any
  run(
    eventName: string,
    payload: unknown,
    inputs?: Record<string, string>,
    runId?: string
  ): Promise<ActionRunResult>
  remoteSha(ref: string): Promise<string>
  close(): Promise<void>
}

export interface ScenarioOptions {
  /** Base-branch `.github/testmaster.yml` content. */
  readonly config?: string
  /** Head-branch (PR) changes to `.github/testmaster.yml`. */
  readonly prConfig?: string
  readonly fork?: boolean
  readonly readOnly?: boolean
  /** The workspace as actions/checkout leaves it by default: depth 1 of the default branch. */
  readonly shallow?: boolean
  /** The token is a personal token of this user (GET /user answers). */
  readonly tokenUser?: string
}

/**
 * The model alone writes the tests (no explorer first): the demo's modules are small enough for
 * the explorer to cover whole, and then no model call would be made at all.
 */
export const MODEL_ONLY: ScenarioOptions = { config: 'explorer: false\n' }

/**
 * Pushes a module with a branch the explorer's inputs do not reach onto the PR branch, so that
 * after the explorer's tests are accepted the model is still asked about it.
 */
export async function addNarrowBranch(scenario: Scenario): Promise<void> {
  await scenario.dev.checkout('feature')
  await scenario.dev.commit('a module with a narrow branch', {
    'src/gate.ts': [
      'export function gate(code: string): string {',
      "  if (code.length === 41 && code.startsWith('zq') && code.endsWith('!')) {",
      "    return 'open'",
      '  }',
      "  return 'closed'",
      '}',
      ''
    ].join('\n')
  })
  await scenario.dev.git('push', '-q', 'origin', 'feature')
}

export async function createScenario(options: ScenarioOptions = {}): Promise<Scenario> {
  const sandbox = await createGitSandbox('tm-e2e-')
  const dev = await createWorkRepo(sandbox, undefined, 'dev')
  await cp(join(REPO_ROOT, 'examples/demo/base'), dev.dir, { recursive: true })
  await writeFile(
    join(dev.dir, '.gitignore'),
    await readFile(join(REPO_ROOT, 'examples/demo/gitignore'), 'utf8')
  )
  if (options.config !== undefined) await dev.write({ '.github/testmaster.yml': options.config })
  await dev.commit('base')
  await dev.checkout('feature', { create: true })
  await cp(join(REPO_ROOT, 'examples/demo/pr'), dev.dir, { recursive: true })
  if (options.prConfig !== undefined)
    await dev.write({ '.github/testmaster.yml': options.prConfig })
  await dev.commit('pr change')
  await dev.checkout('main')
  const origin = await createBareOrigin(sandbox, dev)
  const gh = await FakeGitHub.start({
    owner: OWNER,
    repo: REPO,
    bareRepo: origin,
    gitEnv: sandbox.env,
    readOnly: options.readOnly ?? false,
    ...(options.tokenUser ? { tokenUser: options.tokenUser } : {})
  })
  if (options.fork) {
    // A fork's commits reach the base repository only as refs/pull/<n>/head; no branch to push to.
    await dev.git('push', '-q', 'origin', `feature:refs/pull/${PR}/head`)
    await dev.git('push', '-q', 'origin', '--delete', 'feature')
    await gh.addPullRequest({
      number: PR,
      headRef: 'feature',
      baseRef: 'main',
      fork: { owner: 'stranger', maintainerCanModify: false }
    })
  } else {
    await gh.addPullRequest({ number: PR, headRef: 'feature', baseRef: 'main' })
  }
  const workspace = options.shallow
    ? await shallowClone(sandbox, origin, { depth: 1, branch: 'main', name: 'workspace' })
    : await fullClone(sandbox, origin, 'workspace')
  await symlink(join(REPO_ROOT, 'node_modules'), join(workspace.dir, 'node_modules'), 'dir')

  const remoteSha = async (ref: string): Promise<string> =>
    (await dev.git('--git-dir', origin, 'rev-parse', ref)).trim()
  const repository = (payload: any) => ({
    ...payload.repository,
    name: REPO,
    full_name: `${OWNER}/${REPO}`,
    owner: { ...payload.repository.owner, login: OWNER }
  })

  return {
    sandbox,
    dev,
    origin,
    workspace,
    gh,
    async pullRequestPayload(action, overrides = {}) {
      const payload = webhookExample('pull_request', action)
      const repo = repository(payload)
      const fork = overrides.fork ?? options.fork ?? false
      payload.repository = repo
      payload.number = PR
      const pr = payload.pull_request
      pr.number = PR
      pr.draft = overrides.draft ?? false
      pr.labels = (overrides.labels ?? []).map((name, i) => ({
        id: i,
        node_id: `L${i}`,
        url: '',
        name,
        color: 'ffffff',
        default: false,
        description: null
      }))
      pr.base = { ...pr.base, ref: 'main', sha: await remoteSha('refs/heads/main'), repo }
      pr.head = {
        ...pr.head,
        ref: 'feature',
        sha: await remoteSha(`refs/pull/${PR}/head`),
        repo: fork
          ? {
              ...repo,
              full_name: `stranger/${REPO}`,
              owner: { ...repo.owner, login: 'stranger' },
              fork: true
            }
          : repo
      }
      pr.maintainer_can_modify = false
      return payload
    },
    commentPayload(body, o = {}) {
      const payload = webhookExample('issue_comment', o.action ?? 'created')
      payload.repository = repository(payload)
      payload.issue.number = PR
      if (o.onIssue) delete payload.issue.pull_request
      else
        payload.issue.pull_request = {
          url: `https://api.github.com/repos/${OWNER}/${REPO}/pulls/${PR}`
        }
      payload.comment.id = gh.seedComment(PR, body, {
        login: o.login ?? 'maintainer',
        type: (o.type as 'User' | 'Bot') ?? 'User'
      })
      payload.comment.body = body
      payload.comment.user = {
        ...payload.comment.user,
        login: o.login ?? 'maintainer',
        type: o.type ?? 'User'
      }
      payload.comment.author_association = o.association ?? 'NONE'
      payload.sender = payload.comment.user
      return payload
    },
    run(eventName, payload, inputs = {}, runId) {
      return runActionProcess({
        workspace: workspace.dir,
        eventName,
        payload,
        apiUrl: gh.url,
        inputs,
        baseEnv: sandbox.env,
        ...(runId ? { runId } : {})
      })
    },
    remoteSha,
    async close() {
      await gh.close()
      await sandbox.cleanup()
    }
  }
}

/**
 * Makes the next push to `branch` lose a race: the remote's receive-pack first lands a human
 * commit on the branch (from another clone), then serves our push, which is no longer a
 * fast-forward.
 */
export async function raceNextPush(
  scenario: Scenario,
  branch: string,
  file: string
): Promise<void> {
  const human = await fullClone(scenario.sandbox, scenario.origin, 'human')
  await human.checkout(branch)
  const script = join(scenario.sandbox.root, 'racing-receive-pack.sh')
  const mark = join(scenario.sandbox.root, 'raced')
  await writeFile(
    script,
    `#!/bin/sh\nif [ ! -e "${mark}" ]; then\n  touch "${mark}"\n  cd "${human.dir}" && echo 'export const human = 1' > "${file}" && git add -A && git -c user.name=Human -c user.email=h@example.com commit -q -m 'human push' && git push -q origin ${branch} >/dev/null 2>&1\nfi\nexec git-receive-pack "$@"\n`
  )
  await chmod(script, 0o755)
  await scenario.workspace.git('config', 'remote.origin.receivepack', script)
}

/** The comments on the PR that carry the sticky marker (ours, and any copy a person posted). */
export function stickies(s: Scenario): ReturnType<FakeGitHub['commentsOn']> {
  return s.gh.commentsOn(PR).filter((c) => c.body.startsWith(STICKY_MARKER))
}

/** Ends a test: the fake GitHub server saw only calls the real API accepts; all is closed. */
export async function finishScenario(
  scenario: Scenario | undefined,
  openai: FakeOpenAiServer | undefined
): Promise<void> {
  try {
    scenario?.gh.assertValid()
  } finally {
    await scenario?.close()
    await openai?.close()
  }
}
