import { describe, expect, it } from '@jest/globals'
import {
  annotationsNote,
  MAX_ANNOTATIONS,
  uncoveredAnnotations,
  uncoveredMessage
} from '../../src/github/check-annotations.js'
import { checkRunContent } from '../../src/github/check-run.js'
import type { Report } from '../../src/report/report-schema.js'
import { SecretGuard } from '../../src/report/secret-guard.js'
import { sampleReport } from '../report/sample-report.js'

/** The sample report with uncovered changed lines set per module path. */
function reportWithUncovered(
  uncovered: Record<string, { start: number; end: number }[]>,
  settings: Record<string, unknown> = {}
): Report {
  const base = sampleReport()
  return sampleReport({
    settings: { ...base.settings, ...settings },
    modules: base.modules.map((m) =>
      uncovered[m.path] ? { ...m, uncoveredChangedLines: uncovered[m.path] } : m
    )
  })
}

describe('uncoveredAnnotations', () => {
  it('makes one warning per range, in module order then by line, with repo-relative paths', () => {
    const report = reportWithUncovered({
      'src/math.ts': [
        { start: 30, end: 30 },
        { start: 12, end: 15 }
      ],
      'src/parse.ts': [{ start: 7, end: 9 }]
    })
    const found = uncoveredAnnotations(report)
    expect(found).toEqual({
      annotations: [
        {
          path: 'src/math.ts',
          start_line: 12,
          end_line: 15,
          annotation_level: 'warning',
          title: 'Changed lines not covered',
          message: 'Changed lines 12-15 are not covered by tests (after TestMaster)'
        },
        {
          path: 'src/math.ts',
          start_line: 30,
          end_line: 30,
          annotation_level: 'warning',
          title: 'Changed lines not covered',
          message: 'Changed line 30 is not covered by tests (after TestMaster)'
        },
        {
          path: 'src/parse.ts',
          start_line: 7,
          end_line: 9,
          annotation_level: 'warning',
          title: 'Changed lines not covered',
          message: 'Changed lines 7-9 are not covered by tests (after TestMaster)'
        }
      ],
      ranges: 3,
      files: 2,
      omitted: 0
    })
    expect(annotationsNote(found)).toBe(
      '3 range(s) of changed lines in 2 file(s) are still not covered by tests after the run; each is annotated on the diff.'
    )
  })

  it('caps at 50 and counts what it left out', () => {
    const many = Array.from({ length: 63 }, (_, i) => ({ start: 3 * i + 1, end: 3 * i + 1 }))
    const found = uncoveredAnnotations(reportWithUncovered({ 'src/math.ts': many }))
    expect(found.annotations).toHaveLength(MAX_ANNOTATIONS)
    expect(found.annotations.at(-1)?.start_line).toBe(3 * 49 + 1)
    expect(found).toMatchObject({ ranges: 63, files: 1, omitted: 13 })
    expect(annotationsNote(found)).toBe(
      '63 range(s) of changed lines in 1 file(s) are still not covered by tests after the run: the first 50 are annotated on the diff, and 13 more not annotated (GitHub takes 50 per check run).'
    )
  })

  it('has nothing for a run whose changed lines are covered, nor for a dry run', () => {
    expect(uncoveredAnnotations(sampleReport())).toEqual({
      annotations: [],
      ranges: 0,
      files: 0,
      omitted: 0
    })
    expect(annotationsNote(uncoveredAnnotations(sampleReport()))).toBeUndefined()
    const dry = reportWithUncovered({ 'src/math.ts': [{ start: 1, end: 2 }] }, { dryRun: true })
    expect(uncoveredAnnotations(dry).annotations).toEqual([])
  })

  it('words one line and a range differently', () => {
    expect(uncoveredMessage(4, 4)).toBe('Changed line 4 is not covered by tests (after TestMaster)')
    expect(uncoveredMessage(4, 6)).toBe(
      'Changed lines 4-6 are not covered by tests (after TestMaster)'
    )
  })
})

describe('checkRunContent with uncovered changed lines', () => {
  it('carries the annotations and says in the summary how many were left out', () => {
    const many = Array.from({ length: 52 }, (_, i) => ({ start: 2 * i + 1, end: 2 * i + 1 }))
    const content = checkRunContent(reportWithUncovered({ 'src/math.ts': many }))
    expect(content.conclusion).toBe('success')
    expect(content.annotations).toHaveLength(50)
    expect(content.summary).toContain('and 2 more not annotated')
  })

  it('carries none when every changed line is covered', () => {
    const content = checkRunContent(sampleReport())
    expect(content.annotations).toEqual([])
    expect(content.summary).not.toContain('annotated')
  })

  it('SECURITY 37: a secret value in an annotation is redacted with the rest of the check run', () => {
    const secret = 'ghs_annotation_secret_value'
    const report = reportWithUncovered({ 'src/math.ts': [{ start: 1, end: 1 }] })
    const content = checkRunContent({
      ...report,
      modules: report.modules.map((m) => ({ ...m, path: `src/${secret}.ts` }))
    })
    const guard = new SecretGuard([secret])
    const redacted = guard.redactDeep(content, 'check run')
    expect(redacted.annotations?.[0]?.path).toBe('src/***.ts')
    expect(JSON.stringify(redacted)).not.toContain(secret)
    expect(guard.findings()).toEqual([{ surface: 'check run', count: 1 }])
  })
})
