/** Documented real-camera behaviours the simulator can reproduce, all off by default. */
export interface OnvifQuirks {
  /** A second CreatePullPointSubscription/Subscribe faults while one is alive. */
  singleSubscription: boolean;
  /** Renew always faults (the client must subscribe again). */
  renewRejected: boolean;
  /** InitialTerminationTime/Renew durations read wrongly: the first number taken as seconds (PT10M → 10 s). */
  durationsMisread: boolean;
  /** Times written without 'Z': CurrentTime/TerminationTime in local time with no zone, UtcTime with +08:00. */
  nonStandardTime: boolean;
  /** reboot() drops all subscriptions silently (no fault until one is used). */
  loseSubscriptionsOnReboot: boolean;
}

export const NO_QUIRKS: OnvifQuirks = Object.freeze({
  singleSubscription: false,
  renewRejected: false,
  durationsMisread: false,
  nonStandardTime: false,
  loseSubscriptionsOnReboot: false,
});

export const QUIRK_NAMES = Object.keys(NO_QUIRKS) as Array<keyof OnvifQuirks>;
