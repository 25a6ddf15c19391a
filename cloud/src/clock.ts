/** The time, injectable so tests can move it (token grace periods) without sleeping. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
