// The board's shared state on Yjs: the `elements` map, local writes under one origin, and undo/redo
// of this client's own changes only (Y.UndoManager with trackedOrigins).
import * as Y from 'yjs';
import { type BoardElement, ELEMENTS_KEY, newElementId, nextZ, type Placed, sortedElements } from './model';

/** The validated elements of a document in drawing order. */
export function readElements(doc: Y.Doc): Placed[] {
  return sortedElements(doc.getMap<unknown>(ELEMENTS_KEY).entries());
}

export class BoardStore {
  readonly map: Y.Map<unknown>;
  /** Origin of this client's transactions; only these are undone. */
  readonly origin = { board: true };
  readonly undo: Y.UndoManager;
  private cache: Placed[] | null = null;
  private listeners = new Set<() => void>();
  private readonly onChange = () => {
    this.cache = null;
    for (const l of this.listeners) l();
  };
  private readonly onStack = () => {
    for (const l of this.listeners) l();
  };

  constructor(readonly doc: Y.Doc) {
    this.map = doc.getMap<unknown>(ELEMENTS_KEY);
    this.undo = new Y.UndoManager(this.map, { trackedOrigins: new Set([this.origin]), captureTimeout: 600_000 });
    this.map.observe(this.onChange);
    this.undo.on('stack-item-added', this.onStack);
    this.undo.on('stack-item-popped', this.onStack);
    this.undo.on('stack-cleared', this.onStack);
  }

  destroy(): void {
    this.map.unobserve(this.onChange);
    this.undo.destroy();
    this.listeners.clear();
  }

  /** Calls `fn` after every change of the elements or of the undo stacks. */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  elements(): Placed[] {
    if (!this.cache) this.cache = sortedElements(this.map.entries());
    return this.cache;
  }

  /** Starts a new undo step (called when a gesture begins). */
  newStep(): void {
    this.undo.stopCapturing();
  }

  /** Adds an element on top (its z is replaced) and returns its id. */
  add(el: BoardElement): string {
    const id = newElementId();
    const z = nextZ(this.elements());
    this.doc.transact(() => this.map.set(id, { ...el, z }), this.origin);
    return id;
  }

  /** Replaces an existing element (e.g. moved); ignored when it was erased meanwhile. */
  replace(id: string, el: BoardElement): void {
    this.doc.transact(() => {
      if (this.map.has(id)) this.map.set(id, { ...el });
    }, this.origin);
  }

  remove(ids: readonly string[]): void {
    if (ids.length === 0) return;
    this.doc.transact(() => {
      for (const id of ids) this.map.delete(id);
    }, this.origin);
  }

  canUndo(): boolean {
    return this.undo.undoStack.length > 0;
  }

  canRedo(): boolean {
    return this.undo.redoStack.length > 0;
  }
}
