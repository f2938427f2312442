// Build-time flags (rollup.config.mjs): each variant of the bundle replaces this module with its own
// values, and the minifier drops the code of the features a variant leaves out. The source, as the
// tests load it, has every feature on.
/** Consent from the consent tool's own signals, data-consent="gcm" | "tcf" (cmp.ts): in s.cmp.js. */
export const CMP = true;
