// Input files of `npm run import` (docs/import-and-recovery.md "Formats"): each record of the file
// becomes one item of POST /api/v1/batch, or a refusal with its reason. Plain JavaScript, so that the
// command runs with npx on any Node >= 18 without a build step.
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';

/**
 * @typedef {{ line: number, item?: Record<string, unknown>, error?: string }} ImportRecord
 * @typedef {'woocommerce' | 'shopify' | 'generic'} Format
 */

export const FORMATS = ['woocommerce', 'shopify', 'generic'];

/** Reads the whole file into records in file order; `line` is the file's line number, from 1. */
export async function readRecords(file, format, options = {}) {
  const text = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  if (/\.(nd)?jsonl?$/i.test(file)) return { kind: 'ndjson', format: 'ndjson', records: ndjsonRecords(text) };
  const rows = parse(text, { columns: (h) => h.map((c) => c.trim()), skip_empty_lines: true, relax_column_count: true, info: true, trim: true });
  const header = rows.length > 0 ? Object.keys(rows[0].record) : [];
  const fmt = format ?? detectFormat(header);
  const table = rows.map((r) => ({ line: r.info.lines, row: r.record }));
  const tz = options.timezone ?? '+00:00';
  const orders = isOrders(header);
  const records = orders ? orderRecords(fmt, table, tz) : table.map(({ line, row }) => contactRecord(fmt, line, row));
  return { kind: orders ? 'orders' : 'contacts', format: fmt, records };
}

/** Shopify's and WooCommerce's export headers are recognisable; anything else is the generic form. */
function detectFormat(header) {
  const has = (name) => header.some((h) => h.toLowerCase() === name.toLowerCase());
  if (has('Lineitem quantity') || has('Accepts Email Marketing') || has('Accepts Marketing') || has('Default Address City')) return 'shopify';
  if (has('line_item_1') || has('order_total') || has('Date registered') || has('user_email') || has('billing_email')) return 'woocommerce';
  return 'generic';
}

function isOrders(header) {
  const lower = header.map((h) => h.toLowerCase());
  return ['order_id', 'lineitem quantity', 'line_item_1', 'order_number'].some((h) => lower.includes(h));
}

function ndjsonRecords(text) {
  const out = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let value;
    try {
      value = JSON.parse(raw);
    } catch {
      out.push({ line, error: 'not valid JSON' });
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      out.push({ line, error: 'must be a JSON object (a POST /api/v1/events or /api/v1/contacts body)' });
    else out.push({ line, item: { ...value, kind: 'type' in value ? 'event' : 'contact' } });
  });
  return out;
}

// ---- helpers -------------------------------------------------------------------------------------

/** The first non-empty column among these names (case-insensitive). */
function col(row, ...names) {
  for (const name of names) {
    for (const key of Object.keys(row)) {
      if (key.toLowerCase() === name.toLowerCase() && String(row[key]).trim() !== '') return String(row[key]).trim();
    }
  }
  return undefined;
}

function num(value) {
  if (value === undefined) return undefined;
  const n = Number(value.replace(/\s/g, ''));
  return Number.isFinite(n) ? n : NaN;
}

/** "2024-01-15 10:23:45 +0100", "2024-01-15 10:23:45" (in `tz`), or ISO 8601 → ISO 8601 with a zone. */
function isoDate(value, tz) {
  if (!value) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(:\d{2})?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(value.trim());
  if (!m) return value;
  const zone = m[4] ? (m[4] === 'Z' ? 'Z' : m[4].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')) : tz;
  return `${m[1]}T${m[2]}${m[3] ?? ':00'}${zone}`;
}

function defined(obj) {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined && v !== ''));
}

function address(street, zipCode, city, country) {
  const a = defined({ street, zipCode, city, country });
  return Object.keys(a).length > 0 ? a : undefined;
}

function joinName(...parts) {
  const name = parts.filter(Boolean).join(' ').trim();
  return name || undefined;
}

// ---- orders ----------------------------------------------------------------------------------------

/** Rows of one order are consecutive (Shopify: one row per line item; generic: the same). */
function orderRecords(fmt, table, tz) {
  if (fmt === 'woocommerce') return table.map(({ line, row }) => wooOrder(line, row, tz));
  const key = fmt === 'shopify' ? (row) => col(row, 'Name') : (row) => col(row, 'order_id', 'orderId');
  const out = [];
  let group = [];
  const flush = () => {
    if (group.length > 0) out.push(fmt === 'shopify' ? shopifyOrder(group, tz) : genericOrder(group, tz));
    group = [];
  };
  for (const entry of table) {
    if (group.length > 0 && key(entry.row) !== key(group[0].row)) flush();
    group.push(entry);
  }
  flush();
  return out;
}

/** Statuses of a WooCommerce order that were a purchase (worker/platforms/woocommerce.ts isPurchase; refunded was one first). */
const WOO_PURCHASED = new Set(['completed', 'processing', 'refunded']);

/**
 * One row of the "Order Export & Order Import for WooCommerce" CSV (WebToffee; WooCommerce itself
 * exports no orders with e-mails): line_item_N = "name:…|product_id:…|variation_id:…|quantity:…|total:…".
 */
function wooOrder(line, row, tz) {
  const orderId = col(row, 'order_id', 'order_number');
  const status = (col(row, 'status', 'order_status') ?? '').replace(/^wc-/, '').toLowerCase();
  if (status && !WOO_PURCHASED.has(status))
    return { line, error: `status "${status}" is not a purchase (completed, processing and refunded orders are imported)` };
  const products = [];
  for (const key of Object.keys(row)
    .filter((k) => /^line_item_\d+$/i.test(k))
    .sort((a, b) => Number(a.slice(10)) - Number(b.slice(10)))) {
    const value = String(row[key]).trim();
    if (!value) continue;
    const f = Object.fromEntries(value.split('|').map((p) => [p.slice(0, p.indexOf(':')), p.slice(p.indexOf(':') + 1)]));
    const quantity = num(f.quantity) ?? 1;
    const total = num(f.total);
    const variation = f.variation_id && f.variation_id !== '0' ? f.variation_id : undefined;
    const id = variation ?? f.product_id ?? f.sku ?? f.name;
    if (!id) return { line, error: `${key}: has no product_id` };
    products.push(defined({ id, quantity, name: f.name, price: total !== undefined && quantity > 0 ? Math.round((total / quantity) * 100) / 100 : undefined }));
  }
  return orderItem(line, {
    type: 'purchase',
    orderId,
    email: col(row, 'billing_email', 'customer_email', 'email'),
    name: joinName(col(row, 'billing_first_name'), col(row, 'billing_last_name')),
    phone: col(row, 'billing_phone'),
    value: num(col(row, 'order_total')),
    currency: col(row, 'order_currency', 'currency'),
    occurredAt: isoDate(col(row, 'paid_date', 'order_date', 'date_created'), tz),
    paymentMethod: col(row, 'payment_method_title', 'payment_method'),
    shippingMethod: col(row, 'shipping_method', 'shipping_method_title'),
    customerId: nonZero(col(row, 'customer_id', 'customer_user')),
    loggedIn: nonZero(col(row, 'customer_id', 'customer_user')) !== undefined,
    products,
  });
}

function nonZero(v) {
  return v && v !== '0' ? v : undefined;
}

/** Financial statuses of a Shopify order that mean it was paid. */
const SHOPIFY_PAID = new Set(['paid', 'partially_refunded', 'refunded', 'partially_paid']);

/** Shopify's order export (Orders → Export → CSV): one row per line item, order fields on the first. */
function shopifyOrder(group, tz) {
  const { line, row } = group[0];
  const financial = (col(row, 'Financial Status') ?? '').toLowerCase();
  if (col(row, 'Cancelled at')) return { line, error: 'order was cancelled' };
  if (financial && !SHOPIFY_PAID.has(financial)) return { line, error: `financial status "${financial}" is not paid` };
  const products = group.map(({ row: r }) =>
    defined({
      id: col(r, 'Lineitem sku') ?? col(r, 'Lineitem name'),
      name: col(r, 'Lineitem name'),
      quantity: num(col(r, 'Lineitem quantity')),
      price: num(col(r, 'Lineitem price')),
    }),
  );
  return orderItem(line, {
    type: 'purchase',
    // The order's id, as Shopify's webhooks name it (worker/platforms/shopify.ts): a webhook and an
    // import of one order are one ledger row. Without the Id column, the order name (#1001).
    orderId: col(row, 'Id') ?? col(row, 'Name'),
    email: col(row, 'Email'),
    name: col(row, 'Billing Name', 'Shipping Name'),
    phone: col(row, 'Billing Phone', 'Phone'),
    value: num(col(row, 'Total')),
    currency: col(row, 'Currency'),
    occurredAt: isoDate(col(row, 'Paid at', 'Created at'), tz),
    paymentMethod: col(row, 'Payment Method'),
    shippingMethod: col(row, 'Shipping Method'),
    products,
  });
}

/** The generic order CSV: one row per product line, rows of one order_id consecutive. */
function genericOrder(group, tz) {
  const { line, row } = group[0];
  const type = (col(row, 'type') ?? 'purchase').toLowerCase();
  return orderItem(line, {
    type,
    orderId: col(row, 'order_id', 'orderId'),
    returnId: col(row, 'return_id', 'returnId'),
    email: col(row, 'email'),
    name: col(row, 'name'),
    phone: col(row, 'phone'),
    lang: col(row, 'lang'),
    value: num(col(row, 'value', 'total')),
    currency: col(row, 'currency'),
    occurredAt: isoDate(col(row, 'occurred_at', 'occurredAt', 'date'), tz),
    paymentMethod: col(row, 'payment_method', 'paymentMethod'),
    shippingMethod: col(row, 'shipping_method', 'shippingMethod'),
    customerId: col(row, 'customer_id', 'customerId'),
    products: group.map(({ row: r }) =>
      defined({
        id: col(r, 'product_id', 'productId'),
        name: col(r, 'product_name', 'productName'),
        quantity: num(col(r, 'quantity')) ?? 1,
        price: num(col(r, 'price')),
      }),
    ),
  });
}

/** The checks worth making before sending: the worker names everything else (items[i].field). */
function orderItem(line, fields) {
  const event = defined(fields);
  if (!event.orderId) return { line, error: 'the order id is missing' };
  if (!event.email) return { line, error: 'the e-mail is missing' };
  for (const [name, value] of Object.entries({
    value: event.value,
    ...Object.fromEntries(event.products.map((p, i) => [`products[${i}].quantity`, p.quantity])),
  })) {
    if (Number.isNaN(value)) return { line, error: `${name}: is not a number` };
  }
  if (event.products.some((p) => Number.isNaN(p.price))) return { line, error: 'a product price is not a number' };
  return { line, item: { kind: 'event', ...event } };
}

// ---- contacts --------------------------------------------------------------------------------------

/**
 * One customer. Marketing-consent columns (Shopify's "Accepts Email Marketing", …) are never read: an
 * import changes no one's consent (docs/import-and-recovery.md "Consent").
 */
function contactRecord(fmt, line, row) {
  let contact;
  if (fmt === 'shopify') {
    contact = {
      email: col(row, 'Email'),
      name: joinName(col(row, 'First Name'), col(row, 'Last Name')),
      phone: col(row, 'Phone', 'Default Address Phone'),
      company: col(row, 'Default Address Company', 'Company'),
      externalId: col(row, 'Customer ID'),
      address: address(
        joinName(col(row, 'Default Address Address1', 'Address1'), col(row, 'Default Address Address2', 'Address2')),
        col(row, 'Default Address Zip', 'Zip'),
        col(row, 'Default Address City', 'City'),
        col(row, 'Default Address Country Code', 'Country Code', 'Country'),
      ),
    };
  } else if (fmt === 'woocommerce') {
    // WooCommerce → Customers → Download (Analytics), or a user export with billing_* columns.
    contact = {
      email: col(row, 'Email', 'user_email', 'billing_email'),
      name: col(row, 'Name') ?? joinName(col(row, 'first_name', 'billing_first_name'), col(row, 'last_name', 'billing_last_name')),
      phone: col(row, 'billing_phone', 'Phone'),
      company: col(row, 'billing_company'),
      externalId: col(row, 'customer_id', 'ID', 'user_id'),
      address: address(
        joinName(col(row, 'billing_address_1'), col(row, 'billing_address_2')),
        col(row, 'Postal code', 'billing_postcode'),
        col(row, 'City', 'billing_city'),
        col(row, 'Country / Region', 'billing_country'),
      ),
    };
  } else {
    contact = {
      email: col(row, 'email'),
      name: col(row, 'name'),
      phone: col(row, 'phone'),
      company: col(row, 'company'),
      lang: col(row, 'lang'),
      externalId: col(row, 'external_id', 'externalId', 'customer_id'),
      birthday: col(row, 'birthday'),
      address: address(col(row, 'street'), col(row, 'zip_code', 'zipCode'), col(row, 'city'), col(row, 'country')),
    };
  }
  const item = defined(contact);
  if (!item.email) return { line, error: 'the e-mail is missing' };
  return { line, item: { kind: 'contact', ...item } };
}
