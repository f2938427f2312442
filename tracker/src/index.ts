// PLACEHOLDER entry until the tracker lands.
export {};
