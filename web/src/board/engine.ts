// The board's imperative core behind the Preact shell: view (pan/zoom), current tool and style, the
// draft being drawn, selection, awareness (own pointer/laser, others' pointers and laser trails) and
// rendering on requestAnimationFrame whenever something changed, at the device pixel ratio.
import type { Awareness } from 'y-protocols/awareness';
import { elementBounds, fitView, IDENTITY, type Point, boardBounds, toScreen, type View, zoomAt } from './geometry';
import { type BoardElement, translated } from './model';
import { drawPointer, drawTrail, extendTrail, makeThrottle, pruneTrail, remotePointers, type RemotePointer, type TrailPoint } from './presence';
import { drawElement, drawScene, drawSelection, measureText } from './render';
import type { BoardStore } from './store';
import { type Draft, draftElement, type Tool } from './tools';

export interface BoardUser {
  id: string;
  name: string;
  color: string;
}

export interface EngineCallbacks {
  /** The zoom changed (for the toolbar's percentage). */
  onZoom(zoom: number): void;
  /** The text tool was used at this board point (the shell opens an input there). */
  onTextRequest(at: Point, screen: Point): void;
}

const POINTER_INTERVAL_MS = 50;

export class BoardEngine {
  view: View = IDENTITY;
  tool: Tool = 'pen';
  color = '#1f2933';
  width = 4;
  draft: Draft | null = null;
  selection: string | null = null;
  /** Offset of the selected element while it is being dragged. */
  moveOffset: Point | null = null;
  spaceDown = false;
  private cssW = 0;
  private cssH = 0;
  private dpr = 1;
  private raf = 0;
  private pointers: RemotePointer[] = [];
  private trails = new Map<number, TrailPoint[]>();
  private lastSeen = new Map<number, RemotePointer>();
  private ownTrail: TrailPoint[] = [];
  private throttle = makeThrottle(POINTER_INTERVAL_MS);
  private pendingPointer: Point | null | undefined = undefined;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private resizeObserver: ResizeObserver | null = null;
  private unsubscribe: () => void;
  private readonly onAwareness = () => this.readAwareness();

  constructor(
    readonly canvas: HTMLCanvasElement,
    readonly store: BoardStore,
    readonly awareness: Awareness,
    readonly user: BoardUser,
    private readonly cb: EngineCallbacks,
  ) {
    this.unsubscribe = store.subscribe(() => this.invalidate());
    awareness.on('change', this.onAwareness);
    const local = awareness.getLocalState();
    if (local && !local.user) awareness.setLocalStateField('user', { ...user });
    if (typeof ResizeObserver !== 'undefined') {
      this.resizeObserver = new ResizeObserver(() => this.invalidate());
      this.resizeObserver.observe(canvas);
    }
    this.readAwareness();
    this.invalidate();
  }

  destroy(): void {
    this.unsubscribe();
    this.awareness.off('change', this.onAwareness);
    this.resizeObserver?.disconnect();
    if (this.raf) cancelAnimationFrame(this.raf);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.awareness.getLocalState()) {
      this.awareness.setLocalStateField('pointer', null);
      this.awareness.setLocalStateField('laser', undefined);
    }
  }

  /** Marks the picture dirty; it is redrawn on the next animation frame. */
  invalidate(): void {
    if (this.raf === 0) this.raf = requestAnimationFrame((t) => this.frame(t));
  }

  setView(v: View): void {
    this.view = v;
    this.cb.onZoom(v.zoom);
    this.invalidate();
  }

  /** Zooms by a factor around a screen point (default: the centre of the canvas). */
  zoomBy(factor: number, at?: Point): void {
    this.setView(zoomAt(this.view, this.view.zoom * factor, at ?? { x: this.cssW / 2, y: this.cssH / 2 }));
  }

  resetView(): void {
    this.setView(IDENTITY);
  }

  fit(): void {
    this.setView(fitView(boardBounds(this.store.elements()), this.canvas.clientWidth, this.canvas.clientHeight));
  }

  setTool(tool: Tool): void {
    if (tool === this.tool) return;
    if (this.tool === 'laser' || tool === 'laser') this.setLaser(tool === 'laser');
    this.tool = tool;
    this.draft = null;
    if (tool !== 'select') this.selection = null;
    this.invalidate();
  }

  private setLaser(on: boolean): void {
    this.awareness.setLocalStateField('laser', on ? true : undefined);
    if (!on) this.ownTrail = [];
  }

  /** Own pointer moved to a board point: shared through awareness (throttled), laser trail extended. */
  pointerMoved(p: Point): void {
    if (this.tool === 'laser') {
      this.ownTrail = extendTrail(this.ownTrail, p, performance.now());
      this.invalidate();
    }
    this.sendPointer({ x: Math.round(p.x * 10) / 10, y: Math.round(p.y * 10) / 10 });
  }

  pointerLeft(): void {
    this.sendPointer(null);
  }

  private sendPointer(p: Point | null): void {
    const now = performance.now();
    if (this.throttle.due(now)) {
      this.awareness.setLocalStateField('pointer', p);
      this.pendingPointer = undefined;
      return;
    }
    this.pendingPointer = p;
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = null;
        if (this.pendingPointer !== undefined) {
          const last = this.pendingPointer;
          this.pendingPointer = undefined;
          this.sendPointer(last);
        }
      }, this.throttle.wait(now));
    }
  }

  private readAwareness(): void {
    this.pointers = remotePointers(this.awareness.getStates() as Map<number, Record<string, unknown>>, this.awareness.clientID);
    const now = performance.now();
    const seen = new Map<number, RemotePointer>();
    for (const p of this.pointers) {
      const prev = this.lastSeen.get(p.clientId);
      const moved = !prev || prev.x !== p.x || prev.y !== p.y;
      // A trail continues only while the laser stays on; switching it on (with the old pointer
      // position) or coming back after leaving the canvas starts a fresh one.
      if (p.laser && moved) {
        this.trails.set(p.clientId, extendTrail(prev?.laser ? (this.trails.get(p.clientId) ?? []) : [], p, now));
      }
      if (p.laser && !prev?.laser && !moved) this.trails.delete(p.clientId);
      seen.set(p.clientId, p);
    }
    this.lastSeen = seen;
    this.invalidate();
  }

  /** Adds a text element at a board point (measured with the canvas font). */
  commitText(text: string, at: Point): void {
    const clean = text.replace(/\r\n?/g, '\n').replace(/\s+$/, '');
    if (!clean.trim()) return;
    const el: BoardElement = { type: 'text', x: Math.round(at.x * 10) / 10, y: Math.round(at.y * 10) / 10, text: clean, color: this.color, width: this.width, z: 0, by: this.user.id };
    const size = measureText(this.canvas.getContext('2d'), el);
    this.store.newStep();
    this.store.add({ ...el, w: size.w, h: size.h });
  }

  requestText(at: Point): void {
    this.cb.onTextRequest(at, toScreen(this.view, at));
  }

  /** Deletes the selected element. */
  deleteSelection(): void {
    if (!this.selection) return;
    this.store.newStep();
    this.store.remove([this.selection]);
    this.selection = null;
    this.invalidate();
  }

  get size(): { w: number; h: number } {
    return { w: this.cssW, h: this.cssH };
  }

  private frame(now: number): void {
    this.raf = 0;
    const canvas = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    if (w !== this.cssW || h !== this.cssH || dpr !== this.dpr) {
      this.cssW = w;
      this.cssH = h;
      this.dpr = dpr;
      canvas.width = Math.max(1, Math.round(w * dpr));
      canvas.height = Math.max(1, Math.round(h * dpr));
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const elements = this.store.elements();
    const selected = this.selection ? elements.find((e) => e.id === this.selection) : undefined;
    if (this.selection && !selected) this.selection = null;
    const moving = selected && this.moveOffset ? new Set([selected.id]) : undefined;
    drawScene(ctx, elements, this.view, dpr, w, h, moving);
    if (selected) {
      const el = this.moveOffset ? translated(selected.el, this.moveOffset.x, this.moveOffset.y) : selected.el;
      if (moving) drawElement(ctx, el);
      drawSelection(ctx, elementBounds(el), this.view.zoom);
    }
    if (this.draft) drawElement(ctx, draftElement(this.draft));
    // Screen-space overlays: laser trails and other users' pointers.
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    let animating = false;
    for (const [id, trail] of this.trails) {
      const left = pruneTrail(trail, now);
      if (left.length === 0) {
        this.trails.delete(id);
        continue;
      }
      this.trails.set(id, left);
      drawTrail(ctx, left, this.view, now);
      animating = true;
    }
    if (this.ownTrail.length > 0) {
      this.ownTrail = pruneTrail(this.ownTrail, now);
      drawTrail(ctx, this.ownTrail, this.view, now);
      animating ||= this.ownTrail.length > 0;
    }
    for (const p of this.pointers) drawPointer(ctx, p, this.view);
    if (animating) this.invalidate();
  }
}
