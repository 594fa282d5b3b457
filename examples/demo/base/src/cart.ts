export interface LineItem {
  sku: string
  unitCents: number
  quantity: number
}

/** A shopping cart that keeps one line per SKU. */
export class Cart {
  private readonly items = new Map<string, LineItem>()

  add(sku: string, unitCents: number, quantity = 1): void {
    if (quantity <= 0) throw new RangeError(`quantity must be positive, got ${quantity}`)
    const current = this.items.get(sku)
    if (current) current.quantity += quantity
    else this.items.set(sku, { sku, unitCents, quantity })
  }

  get size(): number {
    return this.items.size
  }

  /** Total in cents. */
  total(): number {
    let sum = 0
    for (const item of this.items.values()) sum += item.unitCents * item.quantity
    return sum
  }
}
