// Build-time flags (rollup.config.mjs): each variant of the bundle replaces this module with its own
// values, and the minifier drops the code of the features a variant leaves out. The source, as the
// tests load it, has every feature on.
/** Consent from the consent tool's own signals, data-consent="gcm" | "tcf" (cmp.ts): in s.cmp.js. */
export const CMP = true;
/** Product views from the page's Product JSON-LD (products.ts): in s.full.js. smEdge('view', …) needs
 *  no code (the collector takes it as the page's Visit with products) and works in every variant. */
export const VIEWS = true;
/** data-sm-monitoring, SALESmanago's own monitoring code after consent (monitoring.ts): in s.full.js. */
export const MON = true;
