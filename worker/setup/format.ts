// Small shared pieces of the setup pages (no imports, so every page module may use them).
export const SETUP_PATH = '/setup';

export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
