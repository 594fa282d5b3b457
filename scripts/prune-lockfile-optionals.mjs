// The registry these machines reach serves only the platform packages it was filled with (for
// example `@rollup/rollup-linux-x64-gnu` but not the darwin or android builds), so `npm install`
// writes a lockfile whose optionalDependencies name packages it could not resolve, and `npm ci`
// then refuses it as out of sync. This drops those unresolvable optional entries from the
// lockfile; every package that was installed keeps its entry, so `npm ci` installs the same tree.
// Run it after any `npm install` that changes package-lock.json (CI fails if it was not).
import { readFileSync, writeFileSync } from 'node:fs'
import semver from 'semver'

const path = 'package-lock.json'
const check = process.argv.includes('--check')
const lock = JSON.parse(readFileSync(path, 'utf8'))
const packages = lock.packages ?? {}

/**
 * Node's resolution from a package location (its own node_modules, then each ancestor's): the
 * first entry found must also satisfy the range, or npm would want another copy.
 */
function resolves(location, name, range) {
  let base = location
  for (;;) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`
    const found = packages[candidate]
    if (found) return semver.satisfies(found.version, range, { includePrerelease: true })
    if (!base) return false
    const cut = base.lastIndexOf('/node_modules/')
    base = cut >= 0 ? base.slice(0, cut) : ''
  }
}

let pruned = 0
for (const [location, entry] of Object.entries(packages)) {
  const optional = entry.optionalDependencies
  if (!optional) continue
  for (const [name, range] of Object.entries(optional)) {
    if (!resolves(location, name, range)) {
      delete optional[name]
      pruned++
    }
  }
  if (Object.keys(optional).length === 0) delete entry.optionalDependencies
}

if (check) {
  if (pruned > 0) {
    console.error(
      `${path}: ${pruned} unresolvable optional dependencies; run 'node scripts/prune-lockfile-optionals.mjs'`
    )
    process.exit(1)
  }
} else {
  writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`)
  console.log(`${path}: pruned ${pruned} unresolvable optional dependencies`)
}
