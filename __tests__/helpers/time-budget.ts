/**
 * A test's time limit from a measured budget, not a guess: `nominalMs` is what the test needs on
 * an unloaded 2-core runner, scaled by how much slower this machine is right now (measured once
 * per jest run by calibrate-timeouts.mjs). Use it for every explicit jest timeout.
 */
export function budgetMs(nominalMs: number): number {
  const scale = Number(process.env.TESTMASTER_TEST_TIME_SCALE ?? '1') || 1
  return Math.round(nominalMs * Math.max(1, scale))
}
