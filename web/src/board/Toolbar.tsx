// The board's toolbar: tools, colour palette, stroke width, undo/redo, zoom and the teacher's laser
// pointer (German labels). Read-only boards only get pan/zoom (and the laser for teachers).
import { PALETTE, WIDTHS } from './model';
import { DRAW_TOOLS, isShapeTool, type Tool, TOOL_ICONS, TOOL_LABELS } from './tools';

export interface ToolbarProps {
  readOnly: boolean;
  isTeacher: boolean;
  tool: Tool;
  color: string;
  width: number;
  zoom: number;
  canUndo: boolean;
  canRedo: boolean;
  onTool(t: Tool): void;
  onColor(c: string): void;
  onWidth(w: number): void;
  onUndo(): void;
  onRedo(): void;
  onZoomIn(): void;
  onZoomOut(): void;
  onZoomReset(): void;
  onFit(): void;
}

const COLOR_NAMES: Record<string, string> = {
  '#1f2933': 'Schwarz',
  '#d92d20': 'Rot',
  '#f79009': 'Orange',
  '#fdd835': 'Gelb',
  '#12b76a': 'Grün',
  '#1570ef': 'Blau',
  '#7a5af8': 'Violett',
  '#ffffff': 'Weiß',
};

function ToolButton({ tool, active, onTool }: { tool: Tool; active: boolean; onTool(t: Tool): void }) {
  return (
    <button
      type="button"
      class={`board-btn${active ? ' is-active' : ''}${tool === 'laser' ? ' board-laser' : ''}`}
      title={TOOL_LABELS[tool]}
      aria-label={TOOL_LABELS[tool]}
      aria-pressed={active}
      data-testid={`board-tool-${tool}`}
      onClick={() => onTool(tool)}
    >
      <span aria-hidden="true">{TOOL_ICONS[tool]}</span>
    </button>
  );
}

export function Toolbar(p: ToolbarProps) {
  const tools: Tool[] = p.readOnly ? ['pan'] : [...DRAW_TOOLS, 'pan'];
  const drawing = !p.readOnly && (isShapeTool(p.tool) || p.tool === 'text');
  return (
    <div class="board-toolbar" role="toolbar" aria-label="Tafel-Werkzeuge" data-testid="board-toolbar">
      <div class="board-group">
        {tools.map((t) => (
          <ToolButton key={t} tool={t} active={p.tool === t} onTool={p.onTool} />
        ))}
        {p.isTeacher && (
          <ToolButton tool="laser" active={p.tool === 'laser'} onTool={(t) => p.onTool(p.tool === 'laser' ? (p.readOnly ? 'pan' : 'pen') : t)} />
        )}
      </div>
      {drawing && (
        <div class="board-group" role="group" aria-label="Farbe">
          {PALETTE.map((c) => (
            <button
              key={c}
              type="button"
              class={`board-swatch${p.color === c ? ' is-active' : ''}`}
              style={{ background: c }}
              title={COLOR_NAMES[c] ?? c}
              aria-label={`Farbe ${COLOR_NAMES[c] ?? c}`}
              aria-pressed={p.color === c}
              onClick={() => p.onColor(c)}
            />
          ))}
        </div>
      )}
      {drawing && (
        <div class="board-group" role="group" aria-label="Strichstärke">
          {WIDTHS.map((w) => (
            <button
              key={w}
              type="button"
              class={`board-btn${p.width === w ? ' is-active' : ''}`}
              title={`Strichstärke ${w}`}
              aria-label={`Strichstärke ${w}`}
              aria-pressed={p.width === w}
              onClick={() => p.onWidth(w)}
            >
              <span class="board-dot" style={{ width: `${Math.min(16, w + 2)}px`, height: `${Math.min(16, w + 2)}px` }} />
            </button>
          ))}
        </div>
      )}
      {!p.readOnly && (
        <div class="board-group">
          <button type="button" class="board-btn" title="Rückgängig (Strg+Z)" aria-label="Rückgängig" disabled={!p.canUndo} onClick={p.onUndo} data-testid="board-undo">
            ↶
          </button>
          <button type="button" class="board-btn" title="Wiederholen (Strg+Y)" aria-label="Wiederholen" disabled={!p.canRedo} onClick={p.onRedo} data-testid="board-redo">
            ↷
          </button>
        </div>
      )}
      <div class="board-group board-zoom">
        <button type="button" class="board-btn" title="Verkleinern" aria-label="Verkleinern" onClick={p.onZoomOut}>
          −
        </button>
        <button type="button" class="board-btn board-zoom-label" title="Zoom zurücksetzen (100 %)" aria-label="Zoom zurücksetzen" onClick={p.onZoomReset} data-testid="board-zoom">
          {Math.round(p.zoom * 100)} %
        </button>
        <button type="button" class="board-btn" title="Vergrößern" aria-label="Vergrößern" onClick={p.onZoomIn}>
          +
        </button>
        <button type="button" class="board-btn" title="Alles anzeigen" aria-label="Alles anzeigen" onClick={p.onFit}>
          ⤢
        </button>
      </div>
    </div>
  );
}
