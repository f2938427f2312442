// The largest body each public path reads, in one place (the routes and /openapi.json read them
// here), and hono's bodyLimit refusing a larger one with TooLarge (413), answered by app.onError.
// The signed shop API reads its bodies itself, capped by the same numbers (http/shop-signature.ts).
import { bodyLimit } from 'hono/body-limit';
import { TooLarge } from '../errors.ts';

/** A beacon of the storefront tracker (POST /e). */
export const MAX_BEACON_BYTES = 32 * 1024;
/** One shop-API event or contact (POST /api/v1/events, /contacts). */
export const MAX_SHOP_BODY_BYTES = 256 * 1024;
/** A batch or a product list: 500 items of a few KB each; a larger export is sent in smaller batches
 *  (http/shop-signature.ts reads at most this before the HMAC can be checked). */
export const MAX_BATCH_BODY_BYTES = 4 * 1024 * 1024;
/** A shop platform's webhook: large orders (hundreds of lines, long meta_data) stay well below this. */
export const MAX_HOOK_BODY_BYTES = 1024 * 1024;
/** A SALESmanago opt-in/opt-out callback: an e-mail and a key. */
export const MAX_CALLBACK_BYTES = 16 * 1024;
/** The whole settings form is a few KB and each field is bounded (settings/fields.ts MAX_SETTING_LENGTH),
 *  so 64 KB is ample: a 100 MB post is refused as it arrives instead of being parsed whole. */
export const MAX_SETTINGS_FORM_BYTES = 64 * 1024;
/** A body that is one e-mail address (the consents lookup, the privacy API). */
export const MAX_EMAIL_BODY_BYTES = 1024;

/** hono's bodyLimit refusing with `error` (default "body is larger than N KB"). */
export const limitBody = (maxBytes: number, error = `body is larger than ${maxBytes / 1024} KB`) =>
  bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new TooLarge(error);
    },
  });
