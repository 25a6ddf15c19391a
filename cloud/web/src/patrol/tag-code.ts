/**
 * The form of a checkpoint's tag code, as the server's `TagCode` (cloud/src/patrol/schemas.ts) takes
 * it: a typo is said at once instead of waiting in the outbox to be refused.
 */
export const TagCode = /^[A-Za-z0-9_-]{4,64}$/;
