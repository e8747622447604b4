// textkit public entry point
export * from './strings';
export * from './numbers';
export * from './dates';
export * from './arrays';
export * from './parser';
export * from './validate';
export { Cache, memoize } from './cache';

// deprecated alias, kept for 0.x users
export { capitalize as ucfirst } from './strings';

export const VERSION = '1.0.0';
