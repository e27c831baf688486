// Drawing elements on a 2D canvas context, pure apart from the context it is given: the pen path
// (shared with the SVG export), shapes, arrows, text, and the whole scene with background.
import { arrowHead, type Rect, textSize, type View } from './geometry';
import { type BoardElement, fontSize, type Placed } from './model';

/** The part of CanvasRenderingContext2D the board draws with (tests pass a recording fake). */
export type Ctx = Pick<
  CanvasRenderingContext2D,
  | 'beginPath'
  | 'moveTo'
  | 'lineTo'
  | 'quadraticCurveTo'
  | 'closePath'
  | 'stroke'
  | 'fill'
  | 'arc'
  | 'ellipse'
  | 'rect'
  | 'fillRect'
  | 'clearRect'
  | 'fillText'
  | 'save'
  | 'restore'
  | 'setTransform'
  | 'strokeStyle'
  | 'fillStyle'
  | 'lineWidth'
  | 'lineCap'
  | 'lineJoin'
  | 'font'
  | 'textBaseline'
  | 'globalAlpha'
>;

export const FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif";
export const LINE_HEIGHT = 1.25;

export type PathCmd = { op: 'M' | 'L'; x: number; y: number } | { op: 'Q'; cx: number; cy: number; x: number; y: number };

/** A smoothed path through the pen points: quadratic curves through the midpoints. */
export function penPath(pts: readonly number[]): PathCmd[] {
  const n = pts.length / 2;
  if (n === 0) return [];
  const cmds: PathCmd[] = [{ op: 'M', x: pts[0], y: pts[1] }];
  if (n === 1) return cmds;
  if (n === 2) {
    cmds.push({ op: 'L', x: pts[2], y: pts[3] });
    return cmds;
  }
  for (let i = 1; i < n - 1; i++) {
    const cx = pts[2 * i];
    const cy = pts[2 * i + 1];
    cmds.push({ op: 'Q', cx, cy, x: (cx + pts[2 * i + 2]) / 2, y: (cy + pts[2 * i + 3]) / 2 });
  }
  cmds.push({ op: 'L', x: pts[2 * n - 2], y: pts[2 * n - 1] });
  return cmds;
}

function tracePath(ctx: Ctx, cmds: readonly PathCmd[]): void {
  for (const c of cmds) {
    if (c.op === 'Q') ctx.quadraticCurveTo(c.cx, c.cy, c.x, c.y);
    else if (c.op === 'M') ctx.moveTo(c.x, c.y);
    else ctx.lineTo(c.x, c.y);
  }
}

/** The lines of a text element with the font size and line height used to draw it. */
export function textLines(el: BoardElement): { lines: string[]; size: number; lineHeight: number } {
  const size = fontSize(el.width);
  return { lines: (el.text ?? '').split('\n'), size, lineHeight: size * LINE_HEIGHT };
}

/** Draws one element in board coordinates (the caller sets the transform). */
export function drawElement(ctx: Ctx, el: BoardElement): void {
  ctx.strokeStyle = el.color;
  ctx.fillStyle = el.color;
  ctx.lineWidth = el.width;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  const pts = el.points ?? [];
  switch (el.type) {
    case 'pen':
      if (pts.length === 2) {
        ctx.beginPath();
        ctx.arc(pts[0], pts[1], el.width / 2, 0, Math.PI * 2);
        ctx.fill();
        return;
      }
      ctx.beginPath();
      tracePath(ctx, penPath(pts));
      ctx.stroke();
      return;
    case 'line':
    case 'arrow': {
      ctx.beginPath();
      ctx.moveTo(pts[0], pts[1]);
      for (let i = 2; i + 1 < pts.length; i += 2) ctx.lineTo(pts[i], pts[i + 1]);
      if (el.type === 'arrow') {
        const n = pts.length;
        const [l, t, r] = arrowHead(pts[n - 4], pts[n - 3], pts[n - 2], pts[n - 1], el.width);
        ctx.moveTo(l.x, l.y);
        ctx.lineTo(t.x, t.y);
        ctx.lineTo(r.x, r.y);
      }
      ctx.stroke();
      return;
    }
    case 'rect':
      ctx.beginPath();
      ctx.rect(el.x ?? 0, el.y ?? 0, el.w ?? 0, el.h ?? 0);
      ctx.stroke();
      return;
    case 'ellipse': {
      const w = el.w ?? 0;
      const h = el.h ?? 0;
      ctx.beginPath();
      ctx.ellipse((el.x ?? 0) + w / 2, (el.y ?? 0) + h / 2, Math.abs(w) / 2, Math.abs(h) / 2, 0, 0, Math.PI * 2);
      ctx.stroke();
      return;
    }
    case 'text': {
      const { lines, size, lineHeight } = textLines(el);
      ctx.font = `${size}px ${FONT_FAMILY}`;
      ctx.textBaseline = 'top';
      lines.forEach((line, i) => ctx.fillText(line, el.x ?? 0, (el.y ?? 0) + i * lineHeight + (lineHeight - size) / 2));
      return;
    }
  }
}

/** Clears the canvas (device pixels) and draws the elements under the view; `dpr` is devicePixelRatio. */
export function drawScene(ctx: Ctx, elements: readonly Placed[], view: View, dpr: number, width: number, height: number, skip?: ReadonlySet<string>): void {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, width * dpr, height * dpr);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width * dpr, height * dpr);
  ctx.setTransform(dpr * view.zoom, 0, 0, dpr * view.zoom, dpr * view.x, dpr * view.y);
  for (const { id, el } of elements) {
    if (skip?.has(id)) continue;
    drawElement(ctx, el);
  }
}

/** A dashed-looking selection frame around a rect (board coordinates, line width in screen pixels). */
export function drawSelection(ctx: Ctx, r: Rect, zoom: number): void {
  const pad = 4 / zoom;
  ctx.strokeStyle = '#1570ef';
  ctx.lineWidth = 1.5 / zoom;
  ctx.beginPath();
  ctx.rect(r.x - pad, r.y - pad, r.w + 2 * pad, r.h + 2 * pad);
  ctx.stroke();
}

/** Measured size of a text element (uses the context's measureText when available). */
export function measureText(ctx: Pick<CanvasRenderingContext2D, 'measureText' | 'font'> | null, el: BoardElement): { w: number; h: number } {
  const { lines, size, lineHeight } = textLines(el);
  if (!ctx) return textSize(el);
  ctx.font = `${size}px ${FONT_FAMILY}`;
  const w = lines.reduce((m, l) => Math.max(m, ctx.measureText(l).width), 0);
  return { w: Math.ceil(w), h: Math.ceil(lines.length * lineHeight) };
}
