import type { LimitName } from '../report/report-schema.js'
import { formatKeyPath } from './config-keys.js'
import { FLAT_OPTIONS } from './flat-options.js'
import type { ResolvedConfig } from './resolve-config.js'

/** Each budget limit's flat name (action input and CLI flag). */
const FLAT_NAME: Record<Exclude<LimitName, 'cancelled'>, string> = {
  'run-usd': 'max-cost-usd',
  'pr-usd': 'pr-budget-usd',
  'module-usd': 'module-budget-usd',
  'max-calls': 'max-calls',
  'max-tokens': 'max-tokens',
  time: 'time-budget-minutes'
}

/**
 * A limit named as the user set it: "the input `pr-budget-usd`", "`budget.pr-usd` in the config
 * file", "the `--max-calls` flag", "the command's `--budget`", or the config key when it is a default.
 */
export function limitSettingName(
  limit: LimitName,
  layers: ResolvedConfig['layers'] = {}
): string | undefined {
  if (limit === 'cancelled') return undefined
  const flatName = FLAT_NAME[limit]
  const option = FLAT_OPTIONS.find((o) => o.name === flatName)
  const key = option ? formatKeyPath(option.path) : flatName
  switch (layers[flatName]) {
    case 'input':
      return `the input \`${flatName}\``
    case 'flag':
      return `the \`--${flatName}\` flag`
    case 'command':
      return limit === 'pr-usd'
        ? 'the pull request budget set by `/testmaster budget`'
        : 'the command’s `--budget`'
    case 'config':
      return `\`${key}\` in the config file`
    default:
      return `\`${key}\` (the default)`
  }
}
