import { describe, expect, it } from 'vitest'
import { Cart } from './cart.js'

describe('Cart', () => {
  it('adds up line items', () => {
    const cart = new Cart()
    cart.add('apple', 50, 2)
    cart.add('pear', 75)
    expect(cart.total()).toBe(175)
  })
})
