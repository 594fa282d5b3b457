export type Currency = 'USD' | 'EUR' | 'JPY'

/** Formats an amount in cents for display; JPY has no minor unit. */
export function formatPrice(cents: number, currency: Currency): string {
  if (!Number.isFinite(cents)) throw new TypeError(`not a finite amount: ${cents}`)
  const sign = cents < 0 ? '-' : ''
  const abs = Math.abs(cents)
  if (currency === 'JPY') return `${sign}¥${abs}`
  const symbol = currency === 'USD' ? '$' : '€'
  return `${sign}${symbol}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

/** Discount percentage for a quantity: 10 or more units 5%, 50 or more 10%, 100 or more 15%. */
export function bulkDiscount(quantity: number): number {
  if (!Number.isInteger(quantity) || quantity < 0) throw new RangeError(`quantity must be a non-negative integer, got ${quantity}`)
  if (quantity >= 100) return 15
  if (quantity >= 50) return 10
  if (quantity >= 10) return 5
  return 0
}

/** Price of `quantity` units after the bulk discount, in whole cents rounded half up. */
export function priceFor(unitCents: number, quantity: number): number {
  const gross = unitCents * quantity
  return Math.round((gross * (100 - bulkDiscount(quantity))) / 100)
}

/** Splits a total into `parts` shares that differ by at most one cent and add up to the total. */
export function splitEvenly(totalCents: number, parts: number): number[] {
  if (parts <= 0) throw new RangeError(`parts must be positive, got ${parts}`)
  const base = Math.floor(totalCents / parts)
  const remainder = totalCents - base * parts
  return Array.from({ length: parts }, (_, i) => (i < remainder ? base + 1 : base))
}
