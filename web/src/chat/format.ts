// How the messenger names and dates things: room titles, room avatar letters, message times, room links.
import type { Room } from '../chatApi';
import { initials } from '../components';
import { formatDateTime, type Lang } from '../i18n';

/** Room title as shown: the other person in a direct chat. */
export function roomTitle(room: Pick<Room, 'kind' | 'title' | 'other_user'>): string {
  return room.kind === 'direct' && room.other_user ? room.other_user.display_name : room.title;
}

/** Avatar letters of a room: the initials of several words, else the first two characters ("5a"). */
export function roomInitials(title: string): string {
  const words = title.trim().split(/\s+/).filter(Boolean);
  if (words.length > 1) return initials(title);
  return Array.from(words[0] ?? '').slice(0, 2).join('').toUpperCase();
}

/** The in-app path of a room. */
export function roomHref(roomId: string): string {
  return `/chat/${encodeURIComponent(roomId)}`;
}

/** Short time of a message: clock time today, else date and time. */
export function messageTime(lang: Lang, ms: number, now: number): string {
  const d = new Date(ms);
  const n = new Date(now);
  const sameDay = d.getFullYear() === n.getFullYear() && d.getMonth() === n.getMonth() && d.getDate() === n.getDate();
  if (sameDay) {
    return new Intl.DateTimeFormat(lang === 'de' ? 'de-DE' : 'en-GB', { hour: '2-digit', minute: '2-digit' }).format(d);
  }
  return formatDateTime(lang, ms);
}
