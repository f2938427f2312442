// Types for run.mjs (used by the project's own tests and the import bench).
export const BATCH_ITEMS: number;
export function stateFileOf(file: string): string;
export function refusedFileOf(file: string): string;
export function signature(secret: string, method: string, pathWithQuery: string, rawBody: string, t: number): string;
export class ImportStopped extends Error {}
export interface ImportSummary {
  kind: 'orders' | 'contacts' | 'ndjson';
  format: string;
  total: number;
  accepted: number;
  duplicate: number;
  refused: number;
  reasons: Record<string, number>;
  finished: boolean;
  resumedAt: number | null;
  requests: number;
  seconds: number;
  refusedFile: string;
  stateFile: string;
}
export function runImport(options: {
  url: string;
  file: string;
  secret: string;
  format?: 'woocommerce' | 'shopify' | 'generic';
  timezone?: string;
  progress?: boolean;
  signal?: AbortSignal;
  log?: (line: string) => void;
  maxAttempts?: number;
}): Promise<ImportSummary>;
