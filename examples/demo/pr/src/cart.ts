export interface LineItem {
  sku: string
  unitCents: number
  quantity: number
}

/** A shopping cart that keeps one line per SKU. */
export class Cart {
  private readonly items = new Map<string, LineItem>()
  private couponPercent = 0

  add(sku: string, unitCents: number, quantity = 1): void {
    if (quantity <= 0) throw new RangeError(`quantity must be positive, got ${quantity}`)
    const current = this.items.get(sku)
    if (current) current.quantity += quantity
    else this.items.set(sku, { sku, unitCents, quantity })
  }

  /** Removes up to `quantity` units of a SKU; returns how many were removed. */
  remove(sku: string, quantity = 1): number {
    const current = this.items.get(sku)
    if (!current) return 0
    const removed = Math.min(quantity, current.quantity)
    current.quantity -= removed
    if (current.quantity === 0) this.items.delete(sku)
    return removed
  }

  /** Applies a percentage coupon (0-50) to the whole cart. */
  applyCoupon(percent: number): void {
    if (percent < 0 || percent > 50) throw new RangeError(`coupon must be between 0 and 50, got ${percent}`)
    this.couponPercent = percent
  }

  get size(): number {
    return this.items.size
  }

  /** Total in cents, after the coupon, rounded down. */
  total(): number {
    let sum = 0
    for (const item of this.items.values()) sum += item.unitCents * item.quantity
    return Math.floor((sum * (100 - this.couponPercent)) / 100)
  }
}
