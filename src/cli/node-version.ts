/**
 * The CLI needs Node 22.15 or later: the explorer loads modules through `module.registerHooks`,
 * which arrived in 22.15. On an older Node it would fail on every module instead of saying why.
 */
export const MINIMUM_NODE = [22, 15] as const

/** A message naming the Node version at fault, or undefined when this one will do. */
export function unsupportedNode(version: string): string | undefined {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number)
  const [needMajor, needMinor] = MINIMUM_NODE
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return undefined
  return `testmaster needs Node ${needMajor}.${needMinor} or later, this is Node ${version.replace(/^v/, '')}`
}
