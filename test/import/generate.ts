// Generated order exports for the import test and bench: the generic CSV (docs/import-and-recovery.md),
// one row per product line, with a known set of bad rows (an e-mail that is not one).
import { createRandom } from '../simulator/random.ts';

export function generateOrders(count: number, options: { badEvery?: number; seed?: string } = {}): { csv: string; bad: number[]; rows: number } {
  const random = createRandom(hash(options.seed ?? 'orders'));
  const lines = ['order_id,type,email,occurred_at,value,currency,product_id,product_name,quantity,price'];
  const bad: number[] = [];
  const base = Date.UTC(2021, 0, 1);
  for (let i = 0; i < count; i++) {
    const orderId = `${options.seed ?? 'g'}-${i + 1}`;
    const isBad = options.badEvery !== undefined && (i + 1) % options.badEvery === 0;
    const email = isBad ? `buyer${i}.example.com` : `buyer${i % 5000}@example.com`;
    const at = new Date(base + Math.floor(random() * 3 * 365 * 86_400_000)).toISOString().replace('.000Z', 'Z');
    const n = 1 + Math.floor(random() * 3);
    const products = Array.from({ length: n }, () => ({
      id: `P${1 + Math.floor(random() * 500)}`,
      quantity: 1 + Math.floor(random() * 3),
      price: Math.round(random() * 10_000) / 100,
    }));
    const value = Math.round(products.reduce((s, p) => s + p.quantity * p.price, 0) * 100) / 100;
    if (isBad) bad.push(lines.length + 1);
    for (const p of products) lines.push(`${orderId},purchase,${email},${at},${value},PLN,${p.id},Product ${p.id},${p.quantity},${p.price}`);
  }
  return { csv: `${lines.join('\n')}\n`, bad, rows: lines.length - 1 };
}

function hash(s: string): number {
  let h = 2166136261;
  for (const ch of s) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}
