// GET /openapi.json: the OpenAPI 3.1 contract of the signed shop API and the platform webhooks. The
// body schemas are generated (@valibot/to-json-schema) from the very valibot schemas the routes
// validate with, so the document cannot drift from what is enforced; the prose around them (status
// codes, signature, idempotency) is written here next to the limits it quotes.
// Why @valibot/to-json-schema alone rather than hono-openapi: the shop API validates in ingest/shop.ts
// (one-line "<field>: <problem>" errors, the signature middleware first) and needs no
// validator middleware; hono-openapi would add a second validation layer and three more packages for
// what one conversion call gives.
import { toJsonSchema, type ConversionConfig, type JsonSchema } from '@valibot/to-json-schema';
import { Hono } from 'hono';
import type * as v from 'valibot';
import type { AppEnv } from '../env.ts';
import { SIGNATURE_HEADER, SIGNATURE_WINDOW_S } from '../identity/signature.ts';
import { email } from '../ingest/fields.ts';
import { MAX_BATCH_ITEMS, shopBatchSchema, shopContactSchema, shopEventSchema } from '../ingest/shop-schema.ts';
import { PLATFORMS } from '../platforms/index.ts';
import { MAX_PRODUCTS_PER_REQUEST, productSchema } from '../catalog/product.ts';
import { MAX_BATCH_BODY_BYTES, MAX_HOOK_BODY_BYTES, MAX_SHOP_BODY_BYTES } from '../http/body-limits.ts';

type Schema = v.GenericSchema;

/**
 * Identifiers (worker/ingest/fields.ts identifier()) accept a string or a number and check the length
 * after converting to a string, past the transform where an input-type conversion stops; in input
 * terms that is a string of 1..max characters, or a number. Found by walking the valibot tree.
 */
interface Node {
  type: string;
  kind: string;
  requirement?: unknown;
  pipe?: Node[];
  entries?: Record<string, Node>;
  options?: Node[];
  wrapped?: Node;
  item?: Node;
}

function identifierLimits(schema: Node, found = new Map<Node, number>()): Map<Node, number> {
  const pipe = schema.pipe;
  if (pipe && pipe[0]?.type === 'union' && pipe.some((a) => a.type === 'transform')) {
    const max = pipe.find((a) => a.type === 'max_length')?.requirement;
    if (typeof max === 'number') found.set(pipe[0], max);
  }
  for (const child of [...(pipe?.slice(1) ?? []), ...Object.values(schema.entries ?? {}), ...(schema.options ?? []), schema.wrapped, schema.item]) {
    if (child && typeof child === 'object' && child.kind === 'schema') identifierLimits(child, found);
  }
  return found;
}

export function jsonSchemaOf(schema: Schema): JsonSchema {
  const limits = identifierLimits(schema as unknown as Node);
  const overrideSchema: ConversionConfig['overrideSchema'] = ({ valibotSchema }) => {
    // The e-mail rule is a custom check (worker/contact/email.ts) that JSON Schema cannot read: state what it enforces.
    if (valibotSchema === email.pipe[0]) return { type: 'string', format: 'email', maxLength: 254 };
    const max = limits.get(valibotSchema as unknown as Node);
    return max === undefined ? undefined : { anyOf: [{ type: 'string', minLength: 1, maxLength: max }, { type: 'number' }] };
  };
  return toJsonSchema(schema, { target: 'draft-2020-12', typeMode: 'input', errorMode: 'ignore', overrideSchema });
}

const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

const shopErrors = (maxBytes: number) => ({
  '400': error(
    'The body is not valid JSON or breaks a field rule: `{"error": "<field>: <problem>"}` naming up to three problems, e.g. `products[0].quantity: must be greater than 0`.',
  ),
  '401': error(
    `${SIGNATURE_HEADER} is missing, malformed, wrong, more than ${SIGNATURE_WINDOW_S} s from the worker's clock, or already used (a replay), or SHOP_API_SECRET is not configured.`,
  ),
  '408': error('The body did not arrive within 30 s of the request: nothing was recorded.'),
  '413': error(`The body is larger than ${Math.round(maxBytes / 1024)} KB, or an item is too large once normalised.`),
  '429': {
    description:
      'This client already has too many unverified request bodies being read (8 MB): nothing was recorded. Retry after the given delay (signed again).',
    headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'seconds' } },
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  },
  '503': {
    description:
      'The ledger could not be written, or the worker instance is reading too many unverified bodies at once: nothing was recorded. Retry after the given delay (signed again).',
    headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'seconds' } },
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  },
});

const json = (ref: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } });

function shopPaths() {
  const signed = [{ SmEdgeSignature: [] }];
  return {
    '/api/v1/events': {
      post: {
        operationId: 'postEvent',
        summary: 'Record an order event (purchase, return, cancellation)',
        description:
          'Idempotent by identity: (type, orderId) for a purchase or cancellation, (type, orderId, returnId) for a return. ' +
          'The first accepted body of an identity is what is delivered; a later body with the same identity and the same ' +
          'content is answered `200 {"status":"duplicate"}`, one with other content `409 {"status":"conflict","fields":[…]}` ' +
          'naming the fields that differ; neither changes anything (there is no update). ' +
          'Unknown fields are ignored.',
        security: signed,
        requestBody: { required: true, content: json('ShopEvent') },
        responses: {
          '202': { description: 'Recorded and queued for delivery.', content: json('Outcome') },
          '200': { description: 'The same identity was accepted before: nothing more goes to SALESmanago (`status: "duplicate"`).', content: json('Outcome') },
          '409': {
            description:
              'The same identity was accepted before with other content (`status: "conflict"`, `fields` naming what differs): the first version stands.',
            content: json('Outcome'),
          },
          ...shopErrors(MAX_SHOP_BODY_BYTES),
        },
      },
    },
    '/api/v1/contacts': {
      post: {
        operationId: 'postContact',
        summary: 'Upsert a contact, optionally with a newsletter choice',
        description:
          'Not deduplicated: each post is a new upsert and the latest data wins. A newsletter choice is also stored as the contact\'s consent (source "shop"). ' +
          'Every consent statement (`newsletter`, `sms`, each of `consents`) is recorded with its proof (POST /api/v1/consents/proof): ' +
          "`ip` and `userAgent` (top level, once per request) are the person's IP address and browser user agent as the shop saw them when the statement was made; " +
          '`version` (top level) is the version of the consent text shown for `newsletter` and `sms`; `consents[].version` that of each named consent. ' +
          'The user agent is kept as proof only; the IP and `consents[].version` reach SALESmanago only in `consentDetails`, for the named consents linked on /setup to a consent of the account (docs/privacy.md "Sent to SALESmanago"). In POST /api/v1/batch they are read per contact item, and the statements are recorded with source "imported".',
        security: signed,
        requestBody: { required: true, content: json('ShopContact') },
        responses: { '202': { description: 'Recorded and queued.', content: json('Outcome') }, ...shopErrors(MAX_SHOP_BODY_BYTES) },
      },
    },
    '/api/v1/batch': {
      post: {
        operationId: 'postBatch',
        summary: `Up to ${MAX_BATCH_ITEMS} events and contacts at once (history export)`,
        description:
          'Every item is checked first: one bad item is a 400 naming it (`items[7].email: …`) and nothing is recorded. ' +
          "Each event item is idempotent as in POST /api/v1/events; the answer lists each item's outcome in order. " +
          '`history: true` (npm run import) marks the items as history: no tags, no consent fields (newsletter, sms, consents, trigger are ignored), ' +
          'no double opt-in, and a contact identical to one imported before is answered `duplicate`.',
        security: signed,
        requestBody: { required: true, content: json('ShopBatch') },
        responses: {
          '202': { description: 'At least one item was new and is queued.', content: json('BatchOutcome') },
          '200': { description: 'Every item was a duplicate (or a conflict, with `fields`).', content: json('BatchOutcome') },
          ...shopErrors(MAX_BATCH_BODY_BYTES),
        },
      },
    },
    '/api/v1/products': {
      post: {
        operationId: 'postProducts',
        summary: `Up to ${MAX_PRODUCTS_PER_REQUEST} products for SALESmanago's product catalog (API v3)`,
        description:
          'Every product is checked first: one invalid product is a 400 naming it (`products[3].price: must not be negative`) and nothing is recorded. ' +
          'A product identical to its last accepted version (same id and content) is counted in `unchanged` and not sent again; ' +
          'a changed one replaces it. `deleted: true` needs only `id` and marks the product unavailable in the catalog. ' +
          'Delivery: docs/catalog.md (100 products a SALESmanago call; quantity-only and price-only changes use the narrower calls).',
        security: signed,
        requestBody: { required: true, content: json('Products') },
        responses: {
          '202': {
            description: '`accepted`: the valid products received; `unchanged`: those of them identical to what was last accepted (nothing is sent for them).',
            content: json('ProductsOutcome'),
          },
          ...shopErrors(MAX_BATCH_BODY_BYTES),
        },
      },
    },
    '/api/v1/consents/{email}': {
      get: {
        operationId: 'getConsent',
        summary: 'The newsletter consent of one e-mail',
        description: 'A read: the same signature may be repeated within its window.',
        security: signed,
        parameters: [{ name: 'email', in: 'path', required: true, schema: { type: 'string', format: 'email' } }],
        responses: {
          '200': { description: 'The stored status, or "unknown".', content: json('Consent') },
          '400': error('Not an e-mail address.'),
          '401': shopErrors(0)['401'],
        },
      },
    },
    '/api/v1/consents/lookup': {
      post: {
        operationId: 'lookupConsent',
        summary: 'The newsletter consent of one e-mail, asked in the body',
        description:
          'As GET /api/v1/consents/{email}, with the e-mail kept out of the URL (and so out of logs and traces). A read: the same signature may be repeated within its window.',
        security: signed,
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: { type: 'object', required: ['email'], properties: { email: { type: 'string', format: 'email', maxLength: 254 } } } },
          },
        },
        responses: {
          '200': { description: 'The stored status, or "unknown".', content: json('Consent') },
          '400': error('The body is not JSON, or `email` is not an e-mail address.'),
          '401': shopErrors(0)['401'],
          '413': error('The body is over 1 KB.'),
        },
      },
    },
    '/api/v1/consents/proof': {
      post: {
        operationId: 'consentProof',
        summary: 'Every consent statement recorded for one e-mail, with its proof, oldest first',
        description:
          "One item per statement, in the order stated: `name` (`newsletter`, `sms`, or the shop's consent name), `accepted`, `at` (when stated, ISO 8601), " +
          '`receivedAt`, `source` (`browser`, `shop`, `imported`, `platform`, `salesmanago`, `setup`), and where known `version` (of the consent text), `ip`, `userAgent`, ' +
          '`pageUrl` (the page without query), `formId`, `orderId`, `deliveryId` (the ledger id of the item that carried it). Personal data: like a write, each signature is accepted once (a captured request cannot be replayed).',
        security: signed,
        requestBody: { required: true, content: json('EmailBody') },
        responses: {
          '200': { description: 'The statements (an empty list when none).', content: json('ConsentProof') },
          '400': error('The body is not JSON, or `email` is not an e-mail address.'),
          '401': shopErrors(0)['401'],
          '413': error('The body is over 1 KB.'),
          '503': shopErrors(0)['503'],
        },
      },
    },
    '/api/v1/contacts/erase': {
      post: {
        operationId: 'eraseContact',
        summary: 'Erase a person (GDPR art. 17)',
        description:
          'Deletes every row, stored payload, visitor link, consent entry and proof record holding the e-mail, its SALESmanago contact id or the visitor ids linked to it ' +
          "(order rows are kept anonymised for the figures), and queues SALESmanago's contact delete (retried; its outcome is on /setup). Only a keyed hash of the e-mail, " +
          'its contact ids and visitor ids is kept, so that a stale beacon, a late callback, a queued event or a re-run import naming the person is refused (recorded as refused, reason `erased`, without the e-mail). ' +
          'The erasure itself is recorded without the e-mail, under the answered `id`. Repeating it is harmless.',
        security: signed,
        requestBody: { required: true, content: json('EmailBody') },
        responses: {
          '202': {
            description: "Erased here; SALESmanago's delete is queued.",
            content: {
              'application/json': {
                schema: { type: 'object', properties: { id: { type: 'string' }, status: { const: 'queued' } }, required: ['id', 'status'] },
              },
            },
          },
          '400': error('The body is not JSON, or `email` is not an e-mail address.'),
          '401': shopErrors(0)['401'],
          '413': error('The body is over 1 KB.'),
          '503': {
            ...shopErrors(0)['503'],
            description: 'The queue or the ledger could not be reached; retry (the person is already suppressed if the marks were written).',
          },
        },
      },
    },
    '/api/v1/contacts/export': {
      post: {
        operationId: 'exportContact',
        summary: 'Everything held about a person (GDPR art. 15)',
        description:
          'One JSON document: `email`; `exportedAt`; `newsletter` (the stored status, when, from where); `consentChanges` (the changes SALESmanago reported); ' +
          '`consents` (every statement with its proof, as POST /api/v1/consents/proof); `contact` (the latest contact fields the shop sent: name, phone, company, lang, externalId, address, birthday, properties); ' +
          '`contactIds` (SALESmanago contact ids); `visitors` (the browser visitor ids linked, with the contact id and whether the link was verified); ' +
          '`events` (each event and contact item: id, type, source, delivery `status`, `attempts`, `lastError`, times, `salesmanagoEventId`, and `data`, the item as stored). Field by field: docs/privacy.md.',
        security: signed,
        requestBody: { required: true, content: json('EmailBody') },
        responses: {
          '200': {
            description: 'The document.',
            content: { 'application/json': { schema: { type: 'object', required: ['email', 'exportedAt', 'consents', 'events'] } } },
          },
          '400': error('The body is not JSON, or `email` is not an e-mail address.'),
          '401': shopErrors(0)['401'],
          '413': error('The body is over 1 KB.'),
          '503': shopErrors(0)['503'],
        },
      },
    },
    '/api/v1/consents': {
      get: {
        operationId: 'listConsents',
        summary: 'Consent changes since a cursor, oldest first',
        security: signed,
        parameters: [
          { name: 'since', in: 'query', required: false, schema: { type: 'string' }, description: 'the `next` of a previous answer; empty = from the start' },
          { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
        ],
        responses: {
          '200': { description: 'A page of changes; `next` continues from here.', content: json('ConsentPage') },
          '400': error('`since` is not a cursor of this API, or `limit` is out of range.'),
          '401': shopErrors(0)['401'],
        },
      },
    },
  };
}

function hookPaths() {
  const paths: Record<string, unknown> = {};
  for (const p of PLATFORMS) {
    const topics = Object.keys(p.topics);
    paths[p.path] = {
      post: {
        operationId: `${p.name}Webhook`,
        summary: `${p.label} webhooks (${topics.join(', ')})`,
        description:
          `Sent by ${p.label} itself, signed with ${p.secretName}: \`${p.signatureHeader}\` is the base64 HMAC-SHA256 of the raw body. ` +
          `Idempotent by \`${p.deliveryIdHeader}\` (the body's SHA-256 when absent): a repeat of an accepted or ignored delivery is \`200 {"status":"duplicate"}\` and changes nothing. ` +
          'Orders are also idempotent by (type, orderId[, returnId]) as in POST /api/v1/events, so a status that moves back and forth sends one purchase. ' +
          'Every refusal is recorded with its reason and shown on the setup page. Signed means kept (docs/platforms.md): a signed delivery is answered 2xx unless both the ledger and the queue are unavailable.',
        security: [{ [`${p.name}Signature`]: [] }],
        parameters: [
          { name: p.topicHeader, in: 'header', required: true, schema: { type: 'string', enum: topics } },
          { name: p.deliveryIdHeader, in: 'header', required: false, schema: { type: 'string', maxLength: 200 } },
          ...(p.name === 'shopify'
            ? [{ name: 'X-Shopify-Shop-Domain', in: 'header', required: true, schema: { type: 'string' }, description: 'must be SHOPIFY_SHOP_DOMAIN' }]
            : []),
        ],
        requestBody: {
          required: true,
          description: `The ${p.label} resource of the topic (only the fields read are described; others are ignored).`,
          content: { 'application/json': { schema: { oneOf: topics.map((t) => ({ $ref: `#/components/schemas/${schemaName(p.name, t)}` })) } } },
        },
        responses: {
          '200': {
            description:
              '`accepted` (with the queued items, and `conflicts` when a paid order changed), `duplicate`, `ignored` (with the reason, e.g. a status that is not a purchase), `ping`; ' +
              '`kept` (with the reason) when a signed delivery cannot become events (unknown topic, missing topic header, invalid JSON, a payload field that breaks its rule, an invalid buyer e-mail, a refund before its purchase): stored, shown on the setup page, replayed by POST /admin/replay?status=kept; ' +
              '`queued` when the ledger is unavailable: the delivery is queued as it came and processed once it is back.',
            content: json('HookOutcome'),
          },
          '401': error(`${p.signatureHeader} missing or wrong (a hex digest instead of base64 is named), or ${p.secretName} not configured.`),
          '403': error('The delivery comes from another shop than the configured one.'),
          '413': error(`The body is larger than ${MAX_HOOK_BODY_BYTES / 1024} KB.`),
          '503': shopErrors(0)['503'],
        },
      },
    };
  }
  return paths;
}

const schemaName = (platform: string, topic: string) => `${platform}_${topic.replace(/[^A-Za-z0-9]+/g, '_')}`;

export function openApiDocument() {
  const platformSchemas: Record<string, JsonSchema> = {};
  for (const p of PLATFORMS) for (const [topic, schema] of Object.entries(p.topics)) platformSchemas[schemaName(p.name, topic)] = jsonSchemaOf(schema);
  const outcome = {
    type: 'object',
    properties: {
      id: { type: 'string' },
      status: { enum: ['queued', 'duplicate', 'conflict'] },
      fields: { type: 'array', items: { type: 'string' }, description: 'with `conflict`: the fields that differ' },
    },
    required: ['id', 'status'],
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'salesmanago-edge shop API',
      version: '1',
      description:
        `Signed shop server API and shop platform webhooks of salesmanago-edge (docs/shop-server.md "Shop server API" and "Shop platforms"). ` +
        `Sign every shop API request: \`${SIGNATURE_HEADER}: t=<unix seconds>,v1=<lowercase hex HMAC-SHA256(SHOP_API_SECRET, "<t>.<METHOD>.<path with query>.<raw body>")>\`; ` +
        `t must be within ${SIGNATURE_WINDOW_S} s of the worker's clock and a write's signature can be used once.`,
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: '/', description: 'the worker (collector) origin' }],
    paths: { ...shopPaths(), ...hookPaths() },
    components: {
      securitySchemes: {
        SmEdgeSignature: {
          type: 'apiKey',
          in: 'header',
          name: SIGNATURE_HEADER,
          description: 't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<METHOD>.<path with query>.<raw body>">',
        },
        ...Object.fromEntries(
          PLATFORMS.map((p) => [
            `${p.name}Signature`,
            { type: 'apiKey', in: 'header', name: p.signatureHeader, description: `base64 HMAC-SHA256 of the raw body with ${p.secretName}` },
          ]),
        ),
      },
      schemas: {
        ShopEvent: jsonSchemaOf(shopEventSchema),
        ShopContact: jsonSchemaOf(shopContactSchema),
        ShopBatch: {
          ...jsonSchemaOf(shopBatchSchema),
          properties: {
            history: { type: 'boolean', description: 'The items are history (an import): no tags, no consent change, contacts deduplicated by content.' },
            items: {
              type: 'array',
              minItems: 1,
              maxItems: MAX_BATCH_ITEMS,
              items: {
                oneOf: [
                  { allOf: [{ type: 'object', properties: { kind: { const: 'event' } }, required: ['kind'] }, { $ref: '#/components/schemas/ShopEvent' }] },
                  { allOf: [{ type: 'object', properties: { kind: { const: 'contact' } }, required: ['kind'] }, { $ref: '#/components/schemas/ShopContact' }] },
                ],
              },
            },
          },
        },
        Products: {
          type: 'object',
          properties: {
            products: {
              type: 'array',
              minItems: 1,
              maxItems: MAX_PRODUCTS_PER_REQUEST,
              items: { oneOf: [jsonSchemaOf(productSchema({})), jsonSchemaOf(productSchema({ deleted: true }))] },
            },
          },
          required: ['products'],
        },
        ProductsOutcome: { type: 'object', properties: { accepted: { type: 'integer' }, unchanged: { type: 'integer' } }, required: ['accepted', 'unchanged'] },
        Outcome: outcome,
        BatchOutcome: { type: 'object', properties: { items: { type: 'array', items: outcome } }, required: ['items'] },
        Consent: {
          type: 'object',
          properties: { email: { type: 'string' }, status: { enum: ['opt-in', 'opt-out', 'unknown'] }, changedAt: { type: 'integer', description: 'unix ms' } },
          required: ['email', 'status'],
        },
        ConsentPage: {
          type: 'object',
          properties: {
            items: {
              type: 'array',
              items: {
                type: 'object',
                properties: { email: { type: 'string' }, status: { enum: ['opt-in', 'opt-out'] }, changedAt: { type: 'integer' } },
                required: ['email', 'status', 'changedAt'],
              },
            },
            next: { type: 'string' },
          },
          required: ['items', 'next'],
        },
        HookOutcome: {
          type: 'object',
          properties: {
            status: { enum: ['accepted', 'duplicate', 'ignored', 'ping', 'kept', 'queued'] },
            deliveryId: { type: 'string' },
            accepted: { type: 'integer', description: 'product topics: products received' },
            unchanged: { type: 'integer', description: 'product topics: identical to the last accepted version, not sent again' },
            reason: { type: 'string' },
            items: { type: 'array', items: outcome },
            conflicts: {
              type: 'array',
              items: { type: 'object', properties: { id: { type: 'string' }, fields: { type: 'array', items: { type: 'string' } } } },
              description: 'a paid order whose content changed: the first version stands',
            },
          },
          required: ['status'],
        },
        EmailBody: { type: 'object', required: ['email'], properties: { email: { type: 'string', format: 'email', maxLength: 254 } } },
        ConsentProof: {
          type: 'object',
          required: ['items'],
          properties: {
            items: {
              type: 'array',
              items: {
                type: 'object',
                required: ['name', 'accepted', 'at', 'receivedAt', 'source'],
                properties: {
                  name: { type: 'string' },
                  accepted: { type: 'boolean' },
                  at: { type: 'string', format: 'date-time' },
                  receivedAt: { type: 'string', format: 'date-time' },
                  source: { enum: ['browser', 'shop', 'imported', 'salesmanago', 'platform', 'setup'] },
                  version: { type: 'string' },
                  text: { type: 'string' },
                  ip: { type: 'string' },
                  userAgent: { type: 'string' },
                  pageUrl: { type: 'string' },
                  formId: { type: 'string' },
                  orderId: { type: 'string' },
                  deliveryId: { type: 'string' },
                },
              },
            },
          },
        },
        Error: { type: 'object', properties: { error: { type: 'string', description: 'what is wrong, naming the field or header' } }, required: ['error'] },
        ...platformSchemas,
      },
    },
  };
}

// Built once per isolate, on first request: the schemas do not change while the worker runs.
let document: ReturnType<typeof openApiDocument> | undefined;

export const openapi = new Hono<AppEnv>().get('/', (c) => {
  document ??= openApiDocument();
  c.header('Cache-Control', 'public, max-age=300');
  return c.json(document);
});
