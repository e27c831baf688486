// Presence on the board, pure: reading other clients' awareness states (pointer, name, colour, laser),
// the laser pointer's fading trails, a throttle for pointer updates, and drawing pointers and trails.
import { type Point, toScreen, type View } from './geometry';
import { isColor } from './model';
import { FONT_FAMILY, type Ctx } from './render';

export interface RemotePointer {
  clientId: number;
  name: string;
  color: string;
  x: number;
  y: number;
  laser: boolean;
}

export interface TrailPoint {
  x: number;
  y: number;
  t: number;
}

export const LASER_TTL_MS = 1200;
export const LASER_COLOR = '#ff1f1f';
const MAX_TRAIL = 200;

/** Pointers of the other clients from awareness states (entries without a valid pointer are skipped). */
export function remotePointers(states: Map<number, Record<string, unknown>>, ownClientId: number): RemotePointer[] {
  const out: RemotePointer[] = [];
  for (const [clientId, state] of states) {
    if (clientId === ownClientId || !state) continue;
    const p = state.pointer as { x?: unknown; y?: unknown } | null | undefined;
    if (!p || typeof p !== 'object' || typeof p.x !== 'number' || typeof p.y !== 'number') continue;
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
    const user = (state.user ?? {}) as { name?: unknown; color?: unknown };
    out.push({
      clientId,
      name: typeof user.name === 'string' ? user.name.slice(0, 60) : '',
      color: isColor(user.color) ? user.color : '#5f6b7a',
      x: p.x,
      y: p.y,
      laser: state.laser === true,
    });
  }
  return out;
}

/** The trail with p appended (if it moved) and points older than the TTL dropped. */
export function extendTrail(trail: readonly TrailPoint[], p: Point, now: number, ttl = LASER_TTL_MS): TrailPoint[] {
  const out = pruneTrail(trail, now, ttl);
  const last = out[out.length - 1];
  if (!last || last.x !== p.x || last.y !== p.y) out.push({ x: p.x, y: p.y, t: now });
  else last.t = now;
  return out.length > MAX_TRAIL ? out.slice(out.length - MAX_TRAIL) : out;
}

/** The trail without points older than the TTL. */
export function pruneTrail(trail: readonly TrailPoint[], now: number, ttl = LASER_TTL_MS): TrailPoint[] {
  return trail.filter((p) => now - p.t < ttl).map((p) => ({ ...p }));
}

/** Opacity of a trail point of the given age: 1 when new, fading linearly to 0 at the TTL. */
export function trailAlpha(age: number, ttl = LASER_TTL_MS): number {
  return Math.max(0, Math.min(1, 1 - age / ttl));
}

/**
 * A throttle: `due(now)` is true when at least `intervalMs` passed since the last accepted call
 * (the caller then sends and should also flush the last value later, see `pending`).
 */
export function makeThrottle(intervalMs: number) {
  let last = -Infinity;
  return {
    due(now: number): boolean {
      if (now - last >= intervalMs) {
        last = now;
        return true;
      }
      return false;
    },
    /** Milliseconds until the next call would be accepted. */
    wait(now: number): number {
      return Math.max(0, intervalMs - (now - last));
    },
  };
}

/** Draws a laser trail (board coordinates) in screen space; the caller has set the DPR transform. */
export function drawTrail(ctx: Ctx, trail: readonly TrailPoint[], view: View, now: number): void {
  if (trail.length === 0) return;
  // Butt caps: round caps of overlapping translucent segments would show as beads.
  ctx.lineCap = 'butt';
  ctx.lineJoin = 'round';
  ctx.strokeStyle = LASER_COLOR;
  for (let i = 1; i < trail.length; i++) {
    const a = toScreen(view, trail[i - 1]);
    const b = toScreen(view, trail[i]);
    const alpha = trailAlpha(now - trail[i].t);
    if (alpha <= 0) continue;
    ctx.globalAlpha = alpha;
    ctx.lineWidth = 2 + 4 * alpha;
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x, b.y);
    ctx.stroke();
  }
  const head = trail[trail.length - 1];
  const alpha = trailAlpha(now - head.t);
  if (alpha > 0) {
    const s = toScreen(view, head);
    ctx.globalAlpha = alpha;
    ctx.fillStyle = LASER_COLOR;
    ctx.beginPath();
    ctx.arc(s.x, s.y, 6, 0, Math.PI * 2);
    ctx.fill();
  }
  ctx.globalAlpha = 1;
}

/** Draws another user's pointer with a name tag, in screen space. */
export function drawPointer(ctx: Ctx, p: RemotePointer, view: View): void {
  const s = toScreen(view, p);
  ctx.globalAlpha = 1;
  ctx.fillStyle = p.color;
  ctx.strokeStyle = '#ffffff';
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(s.x, s.y);
  ctx.lineTo(s.x + 4, s.y + 15);
  ctx.lineTo(s.x + 7.5, s.y + 9.5);
  ctx.lineTo(s.x + 14, s.y + 8.5);
  ctx.closePath();
  ctx.fill();
  ctx.stroke();
  if (!p.name) return;
  ctx.font = `12px ${FONT_FAMILY}`;
  ctx.textBaseline = 'top';
  const w = Math.min(160, p.name.length * 7 + 10);
  ctx.fillRect(s.x + 12, s.y + 16, w, 18);
  ctx.fillStyle = '#ffffff';
  ctx.fillText(p.name, s.x + 17, s.y + 19, w - 10);
}
