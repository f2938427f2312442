// A WooCommerce refund's own lines. The order.updated webhook of a refund lists refunds as
// {id, reason, total} and the order's line_items unreduced (fixtures README, found by the real-shop
// test), so without more a RETURN names every product of the order. With the REST API key
// (WOOCOMMERCE_URL, …) the refund itself is fetched, /wp-json/wc/v3/orders/<id>/refunds/<refund id>,
// whose line_items are the refunded lines with negative quantities. Without a key, or when the fetch
// fails, the RETURN keeps the order's lines (docs/platforms.md, "Refund lines") and the delivery's
// reason says so: the return is never held back for its lines.
import * as v from 'valibot';
import type { WooApiConfig } from '../config.ts';
import type { EventDraft, Mapped } from './platform.ts';
import { money, optionalText, platformId } from './payload-fields.ts';
import { clip } from './platform.ts';
import { wooGet, type Fetcher } from './woocommerce-api.ts';

const refundSchema = v.looseObject({
  id: platformId,
  line_items: v.array(
    v.looseObject({
      name: optionalText,
      product_id: v.nullish(platformId),
      variation_id: v.nullish(platformId),
      sku: optionalText,
      quantity: v.pipe(v.number('must be a number'), v.finite('must be a finite number')),
      total: v.nullish(money),
    }),
    'must be an array of line items',
  ),
});

type Products = EventDraft['products'];

/** The refunded lines of one refund: quantities and prices positive, as the order's lines are. */
function refundProducts(refund: v.InferOutput<typeof refundSchema>): NonNullable<Products> {
  return refund.line_items
    .filter((l) => l.quantity !== 0)
    .map((l) => {
      const quantity = Math.abs(l.quantity);
      const id = (l.variation_id ? l.variation_id : l.product_id) || l.sku || l.name || 'unknown';
      const price = l.total !== null && l.total !== undefined ? Math.round((Math.abs(l.total) / quantity) * 100) / 100 : undefined;
      const name = clip(l.name, 255);
      return { id, quantity, ...(name ? { name } : {}), ...(price !== undefined ? { price } : {}) };
    });
}

/** The mapped WooCommerce items with each return's products replaced by its refund's own lines. */
export async function withRefundLines(
  mapped: Extract<Mapped, { kind: 'items' }>,
  api: WooApiConfig,
  fetcher: Fetcher = (input, init) => fetch(input, init),
): Promise<Extract<Mapped, { kind: 'items' }>> {
  const events: EventDraft[] = [];
  const notes = [...mapped.notes];
  for (const event of mapped.events) {
    // 'refunded' is the mapper's return of a refunded order that lists no refund: no refund to fetch.
    if (event.type !== 'return' || !event.returnId || event.returnId === 'refunded') {
      events.push(event);
      continue;
    }
    const path = `/orders/${encodeURIComponent(String(event.orderId))}/refunds/${encodeURIComponent(String(event.returnId))}`;
    try {
      const { json } = await wooGet(api, path, {}, fetcher);
      const refund = v.safeParse(refundSchema, json);
      const lines = refund.success ? refundProducts(refund.output) : [];
      if (lines.length > 0) {
        events.push({ ...event, products: lines });
        continue;
      }
      notes.push(
        `refund ${String(event.returnId)}: ${refund.success ? 'lists no lines (an amount-only refund)' : 'not readable'}; the order's lines were sent`,
      );
    } catch (err) {
      notes.push(`refund ${String(event.returnId)}: lines not fetched (${err instanceof Error ? err.message : 'error'}); the order's lines were sent`);
    }
    events.push(event);
  }
  return { ...mapped, events, notes };
}
