// URLs leave the browser without personal data: a query or hash parameter whose name suggests it,
// or whose value holds an "@" (an e-mail), is removed with the "&" after it. A separator left
// dangling ("?id=7&", "?#top") is the collector's to tidy. Working on the text (not new URL) keeps it
// short and never throws; an empty referrer stays empty.
// No lookbehind (Safari < 16.4 cannot even parse a file that has one): the separator before a run of
// personal parameters is matched and put back.
const PERSONAL = /([?&#])([^?&#=]*(mail|phone|tel|name|token|pass|pwd|secret|key|auth|sess|card|=[^&#]*(@|%40))[^&#]*&?)+/gi;

export const clean = (u: string) => u.replace(PERSONAL, '$1');
