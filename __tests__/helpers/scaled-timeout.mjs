// setupFilesAfterEnv: the default test timeout, scaled by the machine's measured load
// (calibrate-timeouts.mjs).
import { jest } from '@jest/globals'

const NOMINAL_TIMEOUT_MS = 60_000
const scale = Number(process.env.TESTMASTER_TEST_TIME_SCALE ?? '1') || 1
jest.setTimeout(Math.round(NOMINAL_TIMEOUT_MS * scale))
