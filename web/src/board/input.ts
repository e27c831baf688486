// Pointer, wheel and keyboard input of the board canvas (mouse, pen and touch via pointer events):
// drawing drafts, erasing, moving the selection, panning (space+drag, middle mouse, hand tool, two
// fingers), pinch and wheel zoom, and the undo/redo/delete shortcuts.
import { eraserHits, panBy, type Point, toBoard, topmostAt, type View } from './geometry';
import type { BoardEngine } from './engine';
import { translated } from './model';
import { extendDraft, finishDraft, isShapeTool, startDraft } from './tools';

type Gesture =
  | { kind: 'pan'; id: number; last: Point }
  | { kind: 'draw'; id: number }
  | { kind: 'erase'; id: number; last: Point }
  | { kind: 'move'; id: number; elementId: string; start: Point }
  | { kind: 'text'; id: number }
  | { kind: 'pinch'; a: number; b: number; startDist: number; startMid: Point; startView: View };

/** Eraser radius and hit tolerance in screen pixels. */
const ERASER_PX = 8;

const mid = (a: Point, b: Point): Point => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });

export interface InputOptions {
  readOnly: () => boolean;
  onPanning: (panning: boolean) => void;
}

/** Wires input on the canvas (and keys on its focusable container); returns the detach function. */
export function attachInput(engine: BoardEngine, container: HTMLElement, opts: InputOptions): () => void {
  const canvas = engine.canvas;
  const touches = new Map<number, Point>();
  let gesture: Gesture | null = null;

  const local = (e: { clientX: number; clientY: number }): Point => {
    const r = canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };
  const writable = () => !opts.readOnly();

  const cancelGesture = () => {
    engine.draft = null;
    engine.moveOffset = null;
    gesture = null;
    opts.onPanning(false);
    engine.invalidate();
  };

  const down = (e: PointerEvent) => {
    const p = local(e);
    if (e.pointerType === 'touch') {
      touches.set(e.pointerId, p);
      if (touches.size === 2) {
        cancelGesture();
        const [[a, pa], [b, pb]] = [...touches];
        gesture = { kind: 'pinch', a, b, startDist: Math.max(1, Math.hypot(pb.x - pa.x, pb.y - pa.y)), startMid: mid(pa, pb), startView: engine.view };
        return;
      }
      if (touches.size > 2) return;
    }
    if (gesture) return;
    if (e.pointerType === 'mouse' && e.button !== 0 && e.button !== 1) return;
    container.focus({ preventScroll: true });
    canvas.setPointerCapture?.(e.pointerId);
    const bp = toBoard(engine.view, p);
    const tool = engine.tool;
    if (e.button === 1 || engine.spaceDown || tool === 'pan' || (!writable() && tool !== 'laser')) {
      e.preventDefault();
      gesture = { kind: 'pan', id: e.pointerId, last: p };
      opts.onPanning(true);
      return;
    }
    if (!writable()) return;
    if (isShapeTool(tool)) {
      engine.store.newStep();
      engine.draft = startDraft(tool, bp, engine.color, engine.width);
      gesture = { kind: 'draw', id: e.pointerId };
    } else if (tool === 'eraser') {
      engine.store.newStep();
      gesture = { kind: 'erase', id: e.pointerId, last: bp };
      erase(bp, bp);
    } else if (tool === 'select') {
      const hit = topmostAt(engine.store.elements(), bp, ERASER_PX / engine.view.zoom);
      engine.selection = hit?.id ?? null;
      if (hit) {
        engine.store.newStep();
        gesture = { kind: 'move', id: e.pointerId, elementId: hit.id, start: bp };
      }
    } else if (tool === 'text') {
      gesture = { kind: 'text', id: e.pointerId };
      e.preventDefault();
    }
    engine.invalidate();
  };

  const erase = (from: Point, to: Point) => {
    const hits = eraserHits(engine.store.elements(), from, to, ERASER_PX / engine.view.zoom);
    engine.store.remove(hits);
  };

  const move = (e: PointerEvent) => {
    const p = local(e);
    const bp = toBoard(engine.view, p);
    if (e.pointerType !== 'touch' || touches.size <= 1) engine.pointerMoved(bp);
    if (e.pointerType === 'touch' && touches.has(e.pointerId)) touches.set(e.pointerId, p);
    if (!gesture) return;
    switch (gesture.kind) {
      case 'pinch': {
        const pa = touches.get(gesture.a);
        const pb = touches.get(gesture.b);
        if (!pa || !pb) return;
        const v = gesture.startView;
        const zoom = Math.min(8, Math.max(0.1, (v.zoom * Math.hypot(pb.x - pa.x, pb.y - pa.y)) / gesture.startDist));
        const anchor = toBoard(v, gesture.startMid);
        const m = mid(pa, pb);
        engine.setView({ zoom, x: m.x - anchor.x * zoom, y: m.y - anchor.y * zoom });
        return;
      }
      case 'pan':
        if (e.pointerId !== gesture.id) return;
        engine.setView(panBy(engine.view, p.x - gesture.last.x, p.y - gesture.last.y));
        gesture.last = p;
        return;
      case 'draw': {
        if (e.pointerId !== gesture.id || !engine.draft) return;
        const events = e.getCoalescedEvents?.() ?? [];
        let d = engine.draft;
        for (const ev of events.length > 0 ? events : [e]) d = extendDraft(d, toBoard(engine.view, local(ev)), 1 / engine.view.zoom);
        if (d !== engine.draft) {
          engine.draft = d;
          engine.invalidate();
        }
        return;
      }
      case 'erase':
        if (e.pointerId !== gesture.id) return;
        erase(gesture.last, bp);
        gesture.last = bp;
        return;
      case 'move':
        if (e.pointerId !== gesture.id) return;
        engine.moveOffset = { x: bp.x - gesture.start.x, y: bp.y - gesture.start.y };
        engine.invalidate();
        return;
      case 'text':
        return;
    }
  };

  const up = (e: PointerEvent) => {
    touches.delete(e.pointerId);
    if (!gesture) return;
    if (gesture.kind === 'pinch') {
      if (gesture.a === e.pointerId || gesture.b === e.pointerId) gesture = null;
      return;
    }
    if (gesture.id !== e.pointerId) return;
    const g = gesture;
    gesture = null;
    if (g.kind === 'pan') opts.onPanning(false);
    if (g.kind === 'draw' && engine.draft) {
      const el = finishDraft(engine.draft, 0, engine.user.id, 0.6 / engine.view.zoom);
      engine.draft = null;
      if (el) engine.store.add(el);
    } else if (g.kind === 'move') {
      const off = engine.moveOffset;
      engine.moveOffset = null;
      const current = engine.store.elements().find((x) => x.id === g.elementId);
      if (current && off && (off.x !== 0 || off.y !== 0)) engine.store.replace(g.elementId, translated(current.el, off.x, off.y));
    } else if (g.kind === 'text') {
      engine.requestText(toBoard(engine.view, local(e)));
    }
    engine.invalidate();
  };

  const cancel = (e: PointerEvent) => {
    touches.delete(e.pointerId);
    if (gesture && (gesture.kind === 'pinch' || gesture.id === e.pointerId)) cancelGesture();
  };

  const leave = (e: PointerEvent) => {
    if (e.pointerType !== 'touch' && !gesture) engine.pointerLeft();
  };

  const wheel = (e: WheelEvent) => {
    e.preventDefault();
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1;
    if (e.shiftKey && !e.ctrlKey) {
      engine.setView(panBy(engine.view, -(e.deltaY || e.deltaX) * unit, 0));
      return;
    }
    const dy = Math.max(-100, Math.min(100, e.deltaY * unit));
    engine.zoomBy(Math.exp(-dy * (e.ctrlKey ? 0.01 : 0.0015)), local(e));
  };

  const keydown = (e: KeyboardEvent) => {
    const target = e.target as HTMLElement | null;
    if (target && (target.tagName === 'TEXTAREA' || target.tagName === 'INPUT' || target.isContentEditable)) return;
    const mod = e.ctrlKey || e.metaKey;
    if (e.key === ' ') {
      e.preventDefault();
      if (!engine.spaceDown) {
        engine.spaceDown = true;
        opts.onPanning(true);
      }
    } else if (mod && e.key.toLowerCase() === 'z' && writable()) {
      e.preventDefault();
      if (e.shiftKey) engine.store.undo.redo();
      else engine.store.undo.undo();
    } else if (mod && e.key.toLowerCase() === 'y' && writable()) {
      e.preventDefault();
      engine.store.undo.redo();
    } else if ((e.key === 'Delete' || e.key === 'Backspace') && writable() && engine.selection) {
      e.preventDefault();
      engine.deleteSelection();
    } else if (e.key === 'Escape') {
      engine.selection = null;
      cancelGesture();
    }
  };

  const keyup = (e: KeyboardEvent) => {
    if (e.key === ' ') {
      engine.spaceDown = false;
      if (!gesture || gesture.kind !== 'pan') opts.onPanning(false);
    }
  };
  const blur = () => {
    engine.spaceDown = false;
    if (!gesture) opts.onPanning(false);
  };
  const noMenu = (e: Event) => e.preventDefault();

  canvas.addEventListener('pointerdown', down);
  canvas.addEventListener('pointermove', move);
  canvas.addEventListener('pointerup', up);
  canvas.addEventListener('pointercancel', cancel);
  canvas.addEventListener('pointerleave', leave);
  canvas.addEventListener('wheel', wheel, { passive: false });
  canvas.addEventListener('contextmenu', noMenu);
  container.addEventListener('keydown', keydown);
  container.addEventListener('keyup', keyup);
  container.addEventListener('focusout', blur);
  return () => {
    canvas.removeEventListener('pointerdown', down);
    canvas.removeEventListener('pointermove', move);
    canvas.removeEventListener('pointerup', up);
    canvas.removeEventListener('pointercancel', cancel);
    canvas.removeEventListener('pointerleave', leave);
    canvas.removeEventListener('wheel', wheel);
    canvas.removeEventListener('contextmenu', noMenu);
    container.removeEventListener('keydown', keydown);
    container.removeEventListener('keyup', keyup);
    container.removeEventListener('focusout', blur);
  };
}
