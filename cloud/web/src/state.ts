import { ref } from 'vue';
import { type Session, saveSession, session, whenUnauthenticated } from './api.js';
import { live } from './live.js';
import { forgetReads } from './pwa/read-cache.js';

/** The signed-in user, or none: the app shows the login page then. */
export const signedIn = ref<Session | undefined>(session());

export function signIn(value: Session): void {
  saveSession(value);
  signedIn.value = value;
  // A shared phone: what someone else read offline is not kept for the next one.
  void forgetReads(value.user.id);
}

export function signOut(): void {
  saveSession(undefined);
  live.stop();
  signedIn.value = undefined;
  // What was kept to read offline is the user's: it goes with them.
  void forgetReads();
}

// A 401 from the API or a stream: back to the login page, which says why.
whenUnauthenticated(() => {
  sessionStorage.setItem('gridlink.notice', 'sessionEnded');
  signOut();
});
