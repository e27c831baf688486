// The whiteboard ("Tafel") component: toolbar, canvas and the text input overlay, on a Yjs document
// (`elements` map) with awareness for pointers and the teacher's laser. The work is done by
// BoardEngine (rendering, presence) and attachInput (gestures); this is the Preact shell.
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import { useEffect, useRef, useState } from 'preact/hooks';
import { BoardEngine, type BoardUser } from './engine';
import type { Point } from './geometry';
import { attachInput } from './input';
import { fontSize, PALETTE } from './model';
import { LINE_HEIGHT } from './render';
import { BoardStore } from './store';
import { Toolbar } from './Toolbar';
import type { Tool } from './tools';
import './board.css';

export interface BoardProps {
  doc: Y.Doc;
  awareness: Awareness;
  readOnly: boolean;
  user: BoardUser;
  isTeacher: boolean;
}

interface TextEdit {
  at: Point;
  screen: Point;
  value: string;
}

const allowed = (tool: Tool, readOnly: boolean, isTeacher: boolean): boolean =>
  tool === 'laser' ? isTeacher : readOnly ? tool === 'pan' : true;

export function Board({ doc, awareness, readOnly, user, isTeacher }: BoardProps) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const wrapRef = useRef<HTMLDivElement>(null);
  const engineRef = useRef<BoardEngine | null>(null);
  const readOnlyRef = useRef(readOnly);
  readOnlyRef.current = readOnly;
  const [tool, setTool] = useState<Tool>(readOnly ? 'pan' : 'pen');
  const [color, setColor] = useState(PALETTE[0]);
  const [width, setWidth] = useState(4);
  const [zoom, setZoom] = useState(1);
  const [panning, setPanning] = useState(false);
  const [stats, setStats] = useState({ count: 0, canUndo: false, canRedo: false });
  const [text, setText] = useState<TextEdit | null>(null);
  const textRef = useRef<TextEdit | null>(null);
  textRef.current = text;
  const styleRef = useRef({ tool, color, width });
  styleRef.current = { tool, color, width };

  useEffect(() => {
    const canvas = canvasRef.current;
    const wrap = wrapRef.current;
    if (!canvas || !wrap) return;
    const store = new BoardStore(doc);
    const engine = new BoardEngine(canvas, store, awareness, user, {
      onZoom: setZoom,
      onTextRequest: (at, screen) => setText({ at, screen, value: '' }),
    });
    engine.color = styleRef.current.color;
    engine.width = styleRef.current.width;
    engine.setTool(styleRef.current.tool);
    engineRef.current = engine;
    const sync = () => setStats({ count: store.elements().length, canUndo: store.canUndo(), canRedo: store.canRedo() });
    const unsubscribe = store.subscribe(sync);
    sync();
    const detach = attachInput(engine, wrap, { readOnly: () => readOnlyRef.current, onPanning: setPanning });
    return () => {
      detach();
      unsubscribe();
      engine.destroy();
      store.destroy();
      engineRef.current = null;
    };
    // The user's name/colour may change without a new engine; only its id is written into elements.
  }, [doc, awareness, user.id]);

  useEffect(() => {
    if (!allowed(tool, readOnly, isTeacher)) setTool(readOnly ? 'pan' : 'pen');
  }, [tool, readOnly, isTeacher]);

  useEffect(() => {
    const e = engineRef.current;
    if (!e) return;
    e.color = color;
    e.width = width;
    e.setTool(allowed(tool, readOnly, isTeacher) ? tool : 'pan');
  }, [tool, color, width, readOnly, isTeacher]);

  useEffect(() => {
    if (readOnly) setText(null);
  }, [readOnly]);

  // The engine learns the tool at once (effects run later, possibly after the next pointerdown).
  const chooseTool = (t: Tool) => {
    engineRef.current?.setTool(allowed(t, readOnlyRef.current, isTeacher) ? t : 'pan');
    setTool(t);
  };

  const commitText = () => {
    const t = textRef.current;
    textRef.current = null;
    setText(null);
    if (t && !readOnlyRef.current) engineRef.current?.commitText(t.value, t.at);
    wrapRef.current?.focus({ preventScroll: true });
  };

  const cursor = panning ? 'grabbing' : tool === 'pan' ? 'grab' : tool === 'text' ? 'text' : tool === 'select' ? 'default' : 'crosshair';
  const e = engineRef.current;
  return (
    <div class="board" data-testid="board">
      <Toolbar
        readOnly={readOnly}
        isTeacher={isTeacher}
        tool={tool}
        color={color}
        width={width}
        zoom={zoom}
        canUndo={stats.canUndo}
        canRedo={stats.canRedo}
        onTool={chooseTool}
        onColor={(c) => {
          if (engineRef.current) engineRef.current.color = c;
          setColor(c);
        }}
        onWidth={(w) => {
          if (engineRef.current) engineRef.current.width = w;
          setWidth(w);
        }}
        onUndo={() => engineRef.current?.store.undo.undo()}
        onRedo={() => engineRef.current?.store.undo.redo()}
        onZoomIn={() => engineRef.current?.zoomBy(1.25)}
        onZoomOut={() => engineRef.current?.zoomBy(0.8)}
        onZoomReset={() => engineRef.current?.resetView()}
        onFit={() => engineRef.current?.fit()}
      />
      <div class="board-stage" ref={wrapRef} tabIndex={0} aria-label="Tafel">
        <canvas
          ref={canvasRef}
          class="board-canvas"
          style={{ cursor }}
          data-testid="board-canvas"
          data-elements={stats.count}
          aria-label={`Tafel mit ${stats.count} Elementen`}
          role="img"
        />
        {text && e && (
          <textarea
            class="board-text-input"
            data-testid="board-text-input"
            aria-label="Text eingeben"
            placeholder="Text …"
            value={text.value}
            rows={Math.max(1, text.value.split('\n').length)}
            style={{
              left: `${text.screen.x}px`,
              top: `${text.screen.y}px`,
              color,
              fontSize: `${fontSize(width) * e.view.zoom}px`,
              lineHeight: String(LINE_HEIGHT),
            }}
            ref={(el) => {
              if (el && document.activeElement !== el) el.focus({ preventScroll: true });
            }}
            onInput={(ev) => setText({ ...text, value: (ev.currentTarget as HTMLTextAreaElement).value })}
            onKeyDown={(ev) => {
              if (ev.key === 'Enter' && !ev.shiftKey) {
                ev.preventDefault();
                commitText();
              } else if (ev.key === 'Escape') {
                ev.preventDefault();
                textRef.current = null;
                setText(null);
                wrapRef.current?.focus({ preventScroll: true });
              }
            }}
            onBlur={commitText}
          />
        )}
      </div>
    </div>
  );
}
