// Types for formats.mjs (used by the project's own tests).
export interface ImportRecord {
  line: number;
  item?: Record<string, unknown> & { kind: 'event' | 'contact' };
  error?: string;
}
export const FORMATS: readonly ['woocommerce', 'shopify', 'generic'];
export function detectFormat(header: string[]): 'woocommerce' | 'shopify' | 'generic';
export function isoDate(value: string | undefined, tz: string): string | undefined;
export function readRecords(
  file: string,
  format?: 'woocommerce' | 'shopify' | 'generic',
  options?: { timezone?: string },
): Promise<{ kind: 'orders' | 'contacts' | 'ndjson'; format: string; records: ImportRecord[] }>;
