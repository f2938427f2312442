// The shop platforms the worker receives webhooks from. Adding one: its mapper module here, one entry
// in this list; routes/hooks.ts, the OpenAPI document and the setup page take it from the list.
import type { Platform } from './platform.ts';
import { shopify } from './shopify.ts';
import { woocommerce } from './woocommerce.ts';

export const PLATFORMS: readonly Platform[] = [woocommerce, shopify];
