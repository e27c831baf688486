// Error texts of video lessons: every error code of docs/video.md (and the HTTP and hub codes met on the way)
// has its own message in the UI language; unknown codes fall back to the server's own German/English text.
import { ApiError } from '../api';
import type { MessageKey, Params } from '../i18n';

/** The codes with a text of their own (`video.error.<code>`). */
export const VIDEO_ERROR_CODES = [
  'forbidden',
  'module_disabled',
  'account_restricted',
  'not_found',
  'video_not_started',
  'video_locked',
  'video_full',
  'video_node_full',
  'video_not_joined',
  'video_not_admitted',
  'video_not_moderator',
  'video_unmute_not_allowed',
  'video_removed',
  'video_bad_sdp',
  'video_elsewhere',
  'bad_frame',
  'disconnected',
  'timeout',
] as const;
export type VideoErrorCode = (typeof VIDEO_ERROR_CODES)[number];

export function isVideoErrorCode(code: string): code is VideoErrorCode {
  return (VIDEO_ERROR_CODES as readonly string[]).includes(code);
}

/** The error code of any thrown value (`unknown` for non-API errors). */
export function errorCode(err: unknown): string {
  return err instanceof ApiError ? err.code : 'unknown';
}

/** The text of an error: ours for known codes, the server's for other API errors, the message otherwise. */
export function videoErrorText(err: unknown, lang: string, t: (key: MessageKey, params?: Params) => string): string {
  if (err instanceof ApiError) {
    if (isVideoErrorCode(err.code)) return t(`video.error.${err.code}`);
    return err.localized(lang) || t('video.error.unknown', { code: err.code });
  }
  if (err instanceof Error && err.message) return err.message;
  return t('video.error.unknown', { code: String(err) });
}
