import { showConfirmDialog } from 'vant';
import 'vant/es/dialog/style/index';
import { myOutbox } from './outbox/phone-outbox.js';
import { pt } from './texts.js';

/**
 * Signing out with requests not sent yet: they stay on the phone, but go only once the same user
 * signs in again (they are sent with the user's own session). Said before, so nobody leaves a
 * step behind unknowingly. True when the user still wants to sign out.
 */
export async function confirmSignOut(): Promise<boolean> {
  const unsent = myOutbox.value.filter((item) => item.state !== 'sent').length;
  if (unsent === 0) return true;
  return showConfirmDialog({
    title: pt('signOutUnsentTitle'),
    message: pt('signOutUnsent', { n: unsent }),
    confirmButtonText: pt('signOutAnyway'),
    cancelButtonText: pt('stay'),
    className: 'confirm-sign-out',
  }).then(
    () => true,
    () => false,
  );
}
