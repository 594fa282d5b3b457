import { seededRandom } from './exploration-engine.js'

/**
 * Strings that match the regular expressions written in a module: a parser guarded by
 * `/^(\d+)(ms|s|m|h)$/` is only explored past its guard with inputs like `1ms` or `12h`. A small
 * sampler covers the common syntax; anything it does not understand yields no sample, and every
 * sample is checked against the real RegExp before it is used.
 */

const MAX_SAMPLES_PER_REGEX = 4
const MAX_REGEXES = 12
/** Longer samples are not used as seeds. */
const MAX_SAMPLE_LENGTH = 80
/**
 * Repetitions one sample may take in all: nested counted groups (`((){80}){80}`...) multiply, and
 * PR source may hold any of them (SECURITY 36).
 */
const MAX_REPETITIONS = 10_000

class Unsupported extends Error {}

/** Seeded choices so samples are reproducible. */
function chooser(seed: number): (n: number) => number {
  const random = seededRandom(seed + 1)
  return (n) => (n <= 1 ? 0 : Math.floor(random() * n))
}

class Sampler {
  private index = 0
  /** Repetitions taken so far, shared with the samplers of nested groups. */
  private readonly spent: { repetitions: number }

  constructor(
    private readonly pattern: string,
    private readonly choose: (n: number) => number,
    /** Variant 0 takes first alternatives and fewest repetitions. */
    private readonly plain: boolean,
    spent?: { repetitions: number }
  ) {
    this.spent = spent ?? { repetitions: 0 }
  }

  run(): string {
    const out = this.alternation()
    if (this.index < this.pattern.length) throw new Unsupported('trailing')
    return out
  }

  private peek(): string | undefined {
    return this.pattern[this.index]
  }

  private alternation(): string {
    const branches: string[] = [this.sequence()]
    while (this.peek() === '|') {
      this.index += 1
      branches.push(this.sequence())
    }
    return branches[this.plain ? 0 : this.choose(branches.length)] ?? ''
  }

  private sequence(): string {
    let out = ''
    for (let c = this.peek(); c !== undefined && c !== '|' && c !== ')'; c = this.peek()) {
      const atom = this.atom()
      out += this.quantified(atom)
    }
    return out
  }

  private quantified(atom: () => string): string {
    const c = this.peek()
    let min = 1
    let max = 1
    if (c === '*' || c === '+' || c === '?') {
      this.index += 1
      min = c === '+' ? 1 : 0
      max = c === '?' ? 1 : min + 2
    } else if (c === '{') {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(this.pattern.slice(this.index))
      if (match) {
        this.index += match[0].length
        min = Number(match[1])
        max = match[2] === undefined ? min : match[3] ? Number(match[3]) : min + 2
      }
    }
    if (this.peek() === '?') this.index += 1
    // A sample longer than MAX_SAMPLE_LENGTH is dropped anyway; `(?:){99999999999999}` or
    // `a{400000000}` would otherwise loop or allocate for ever.
    if (min > MAX_SAMPLE_LENGTH) throw new Unsupported('repetition')
    // At least one repetition where allowed, so optional parts get exercised too.
    const count = this.plain
      ? Math.max(min, Math.min(1, max))
      : min + this.choose(Math.min(max, min + 3) - min + 1)
    let out = ''
    for (let i = 0; i < count; i += 1) {
      this.spent.repetitions += 1
      if (this.spent.repetitions > MAX_REPETITIONS) throw new Unsupported('too many repetitions')
      out += atom()
      if (out.length > MAX_SAMPLE_LENGTH) throw new Unsupported('too long')
    }
    return out
  }

  /** Parses one atom and returns a generator for it (called once per repetition). */
  private atom(): () => string {
    const c = this.peek()
    if (c === undefined) throw new Unsupported('end')
    this.index += 1
    if (c === '(') {
      let lookaround = false
      if (this.pattern.startsWith('?:', this.index)) this.index += 2
      else if (
        this.pattern.startsWith('?=', this.index) ||
        this.pattern.startsWith('?!', this.index)
      ) {
        this.index += 2
        lookaround = true
      } else if (
        this.pattern.startsWith('?<=', this.index) ||
        this.pattern.startsWith('?<!', this.index)
      ) {
        this.index += 3
        lookaround = true
      } else if (this.pattern.startsWith('?<', this.index)) {
        const close = this.pattern.indexOf('>', this.index)
        if (close < 0) throw new Unsupported('group name')
        this.index = close + 1
      }
      const start = this.index
      const value = this.alternation()
      if (this.peek() !== ')') throw new Unsupported('group')
      this.index += 1
      const end = this.index - 1
      if (lookaround) return () => ''
      let first = true
      return () => {
        if (first) {
          first = false
          return value
        }
        return new Sampler(
          this.pattern.slice(start, end),
          this.choose,
          this.plain,
          this.spent
        ).run()
      }
    }
    if (c === '[') return this.characterClass()
    if (c === '\\') return this.escape()
    if (c === '^' || c === '$') return () => ''
    if (c === '.') return () => 'a'
    if (c === '*' || c === '+' || c === '?' || c === ')') throw new Unsupported(c)
    return () => c
  }

  private escape(): () => string {
    const c = this.peek()
    if (c === undefined) throw new Unsupported('escape')
    this.index += 1
    const digits = '0123456789'
    switch (c) {
      case 'd':
        return () => (this.plain ? '1' : (digits[1 + this.choose(9)] ?? '1'))
      case 'w':
        return () => (this.plain ? 'a' : ('abcxyz_09'[this.choose(9)] ?? 'a'))
      case 's':
        return () => ' '
      case 'D':
      case 'W':
      case 'S':
        return () => (c === 'S' ? 'a' : '-')
      case 'b':
      case 'B':
        return () => ''
      case 'n':
        return () => '\n'
      case 't':
        return () => '\t'
      case 'r':
        return () => '\r'
      case 'x': {
        const hex = this.pattern.slice(this.index, this.index + 2)
        this.index += 2
        return () => String.fromCharCode(parseInt(hex, 16))
      }
      case 'u': {
        const hex = this.pattern.slice(this.index, this.index + 4)
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new Unsupported('unicode escape')
        this.index += 4
        return () => String.fromCharCode(parseInt(hex, 16))
      }
      default:
        if (/\d/.test(c) || c === 'k' || c === 'p' || c === 'P')
          throw new Unsupported('backreference or property')
        return () => c
    }
  }

  private characterClass(): () => string {
    const negated = this.peek() === '^'
    if (negated) this.index += 1
    const singles: string[] = []
    const ranges: [string, string][] = []
    let first = true
    while (this.peek() !== ']' || first) {
      first = false
      let c = this.peek()
      if (c === undefined) throw new Unsupported('class')
      this.index += 1
      if (c === '\\') {
        const e = this.peek()
        this.index += 1
        if (e === 'd') ranges.push(['0', '9'])
        else if (e === 'w') ranges.push(['a', 'z'])
        else if (e === 's') singles.push(' ')
        else if (e === 'n') singles.push('\n')
        else if (e === 't') singles.push('\t')
        else if (e !== undefined && /[A-Za-z]/.test(e)) throw new Unsupported('class escape')
        else if (e !== undefined) singles.push(e)
        continue
      }
      if (
        this.peek() === '-' &&
        this.pattern[this.index + 1] !== ']' &&
        this.pattern[this.index + 1] !== undefined
      ) {
        this.index += 1
        let end = this.peek() ?? c
        this.index += 1
        if (end === '\\') {
          end = this.peek() ?? c
          this.index += 1
        }
        ranges.push([c, end])
        continue
      }
      c = c ?? ''
      singles.push(c)
    }
    this.index += 1
    const inClass = (ch: string) =>
      singles.includes(ch) || ranges.some(([a, b]) => ch >= a && ch <= b)
    if (negated) {
      const pick = ['a', 'x', '0', '_', ' ', '-', 'Z'].find((ch) => !inClass(ch))
      if (pick === undefined) throw new Unsupported('negated class')
      return () => pick
    }
    const options = [
      ...ranges.map(([a, b]) =>
        this.plain
          ? a
          : String.fromCharCode(
              a.charCodeAt(0) + this.choose(b.charCodeAt(0) - a.charCodeAt(0) + 1)
            )
      ),
      ...singles
    ]
    if (options.length === 0) throw new Unsupported('empty class')
    return () => {
      const picked =
        ranges.length > 0 && !this.plain ? this.choose(ranges.length + singles.length) : 0
      if (picked < ranges.length) {
        const [a, b] = ranges[picked] ?? ['a', 'a']
        return this.plain
          ? a
          : String.fromCharCode(
              a.charCodeAt(0) + this.choose(b.charCodeAt(0) - a.charCodeAt(0) + 1)
            )
      }
      return singles[picked - ranges.length] ?? options[0] ?? ''
    }
  }
}

/** Up to a few distinct strings matching the regex, or none when its syntax is beyond the sampler. */
export function sampleRegex(source: string, flags = ''): string[] {
  let regex: RegExp
  try {
    regex = new RegExp(source, flags.replace(/[gy]/g, ''))
  } catch {
    return []
  }
  const out = new Set<string>()
  for (
    let variant = 0;
    variant < MAX_SAMPLES_PER_REGEX * 3 && out.size < MAX_SAMPLES_PER_REGEX;
    variant += 1
  ) {
    try {
      const sample = new Sampler(source, chooser(variant), variant === 0).run()
      if (sample.length <= MAX_SAMPLE_LENGTH && regex.test(sample)) out.add(sample)
    } catch {
      return [...out]
    }
  }
  return [...out]
}

/** Regex literals written in a source file, with their flags (a textual scan, good enough for seeds). */
export function regexLiterals(source: string): { source: string; flags: string }[] {
  const out: { source: string; flags: string }[] = []
  const pattern =
    /(^|[=(,:!&|?;{}[\]]|return|typeof)\s*\/((?:\\.|\[(?:\\.|[^\]\\\n])*\]|[^/\n\\[])+)\/([dgimsuyv]*)/g
  for (const match of source.matchAll(pattern)) {
    const body = match[2]
    if (body === undefined || body.startsWith('*') || body.startsWith('/')) continue
    out.push({ source: body, flags: match[3] ?? '' })
    if (out.length >= MAX_REGEXES) break
  }
  return out
}
