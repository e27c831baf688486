// What a close of the live document connection means for the user: the message to show and whether
// y-websocket will reconnect by itself (4400–4499 are final, docs/documents.md).
import type { MessageKey } from '../i18n';

/** True for close codes after which y-websocket 3.1 does not reconnect. */
export function isFinalClose(code: number): boolean {
  return code >= 4400 && code < 4500;
}

const MESSAGES: Record<number, MessageKey> = {
  4400: 'doc.close.4400',
  4401: 'doc.close.4401',
  4403: 'doc.close.4403',
  4404: 'doc.close.4404',
  4413: 'doc.close.4413',
  4429: 'doc.close.4429',
  4008: 'doc.close.4008',
  1011: 'doc.close.1011',
  1013: 'doc.close.1013',
  1001: 'doc.close.1001',
};

/**
 * The message key for a close code, or null when the close needs no message of its own (a normal
 * close, or a dropped network that the offline indicator already shows). Unknown final codes get a
 * general final message.
 */
export function closeMessageKey(code: number): MessageKey | null {
  const known = MESSAGES[code];
  if (known) return known;
  return isFinalClose(code) ? 'doc.close.finalOther' : null;
}
