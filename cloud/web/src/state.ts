import { ref } from 'vue';
import { type Session, saveSession, session, whenUnauthenticated } from './api.js';
import { live } from './live.js';

/** The signed-in user, or none: the app shows the login page then. */
export const signedIn = ref<Session | undefined>(session());

export function signIn(value: Session): void {
  saveSession(value);
  signedIn.value = value;
}

export function signOut(): void {
  saveSession(undefined);
  live.stop();
  signedIn.value = undefined;
}

// A 401 from the API or a stream: back to the login page, which says why.
whenUnauthenticated(() => {
  sessionStorage.setItem('gridlink.notice', 'sessionEnded');
  signOut();
});
