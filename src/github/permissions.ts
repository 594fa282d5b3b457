import type { Settings } from '../config/schema.js'
import { apiError, statusOf, type GitHubClient } from './client.js'
import type { RepoRef } from './trigger-event.js'

/**
 * Who may drive the bot by comment, from the collaborator-permission API. `author_association`
 * is never read: it reflects public membership, not what the user may do (SECURITY 2).
 */

export type Role = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none'

export interface PermissionCheck {
  readonly allowed: boolean
  /** The role we judged by. */
  readonly role: Role
}

const ROLES: readonly Role[] = ['admin', 'maintain', 'write', 'triage', 'read', 'none']

/**
 * The user's effective role. `permission` folds maintain into write and triage into read, so the
 * finer `role_name` wins when it is a built-in role; a custom role falls back to its base.
 */
export function effectiveRole(permission: string, roleName: string | undefined): Role {
  if (roleName && (ROLES as readonly string[]).includes(roleName)) return roleName as Role
  return (ROLES as readonly string[]).includes(permission) ? (permission as Role) : 'none'
}

export function isRoleAllowed(
  role: Role,
  allowed: Settings['github']['commandPermissions']
): boolean {
  return (allowed as readonly string[]).includes(role)
}

/** Checks one user; a 404 (not a collaborator) means no permission. */
export async function checkCommandPermission(
  client: GitHubClient,
  repo: RepoRef,
  username: string,
  allowed: Settings['github']['commandPermissions']
): Promise<PermissionCheck> {
  try {
    const { data } = await client.rest.repos.getCollaboratorPermissionLevel({ ...repo, username })
    const role = effectiveRole(data.permission, data.role_name)
    return { allowed: isRoleAllowed(role, allowed), role }
  } catch (error) {
    if (statusOf(error) === 404) return { allowed: false, role: 'none' }
    throw apiError(`checking the permission of @${username}`, error)
  }
}
