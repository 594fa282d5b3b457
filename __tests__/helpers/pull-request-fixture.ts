import { FakeGitHub } from './fake-github-server.js'
import {
  createBareOrigin,
  createGitSandbox,
  createWorkRepo,
  type GitSandbox,
  type WorkRepo
} from './git-fixtures.js'

/** The repository every fake-GitHub fixture serves. */
export const FIXTURE_REPO = { owner: 'acme', repo: 'widgets' }

export interface PullRequestFixture {
  readonly sandbox: GitSandbox
  readonly work: WorkRepo
  /** The bare repository the fake GitHub serves as the remote. */
  readonly bare: string
  readonly gh: FakeGitHub
  /** Closes the server and removes the sandbox. */
  close(): Promise<void>
}

/**
 * A one-file repository with a `feature` branch, pushed to a bare origin, and the OpenAPI-checked
 * fake GitHub serving it with pull request #7 (feature → main).
 */
export async function startPullRequestFixture(prefix: string): Promise<PullRequestFixture> {
  const sandbox = await createGitSandbox(prefix)
  const work = await createWorkRepo(sandbox, { 'src/a.ts': 'export const a = 1\n' })
  await work.checkout('feature', { create: true })
  await work.commit('feature', { 'src/a.ts': 'export const a = 2\n' })
  const bare = await createBareOrigin(sandbox, work)
  const gh = await FakeGitHub.start({ ...FIXTURE_REPO, bareRepo: bare, gitEnv: sandbox.env })
  await gh.addPullRequest({ number: 7, headRef: 'feature', baseRef: 'main' })
  return {
    sandbox,
    work,
    bare,
    gh,
    close: async () => {
      try {
        await gh.close()
      } finally {
        await sandbox.cleanup()
      }
    }
  }
}
