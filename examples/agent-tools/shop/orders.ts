/**
 * The team's own order functions, called in process (no HTTP): what the agents' tools wrap. Each
 * agent run gets a fresh store, so runs never see each other's refunds.
 */
export interface Order {
  order: string
  amount: number
  state: 'shipped' | 'refunded'
}

export function createOrderStore(orders: Order[]) {
  const byId = new Map(orders.map((order) => [order.order, { ...order }]))
  const refunds: string[] = []
  return {
    refunds,
    async getOrder({ order }: { order: string }): Promise<Order> {
      const found = byId.get(order)
      if (!found) throw new Error(`no order ${order}`)
      return { ...found }
    },
    async refundOrder({ order }: { order: string }): Promise<{ order: string; refunded: number }> {
      const found = byId.get(order)
      if (!found) throw new Error(`no order ${order}`)
      if (found.state !== 'refunded') {
        found.state = 'refunded'
        refunds.push(order)
      }
      return { order, refunded: found.amount }
    },
  }
}
