// Exporting a board document: SVG text, and PNG drawn on an offscreen canvas sized to the bounds
// of all elements plus a margin on a white background (large boards are scaled down to fit).
import type * as Y from 'yjs';
import { boardBounds } from './geometry';
import { drawElement } from './render';
import { readElements } from './store';
import { elementsToSvg, EXPORT_MARGIN } from './svg';

/** Largest side of an exported PNG in pixels. */
export const MAX_PNG_SIDE = 8192;

export function exportBoardSvg(doc: Y.Doc): string {
  return elementsToSvg(readElements(doc));
}

/** Pixel size and scale of the PNG for the given board bounds. */
export function pngLayout(bounds: { x: number; y: number; w: number; h: number } | null, margin = EXPORT_MARGIN) {
  const b = bounds ?? { x: 0, y: 0, w: 0, h: 0 };
  const w = b.w + 2 * margin;
  const h = b.h + 2 * margin;
  const scale = Math.min(1, MAX_PNG_SIDE / Math.max(w, h));
  return {
    width: Math.max(1, Math.ceil(w * scale)),
    height: Math.max(1, Math.ceil(h * scale)),
    scale,
    originX: b.x - margin,
    originY: b.y - margin,
  };
}

export async function exportBoardPng(doc: Y.Doc): Promise<Blob> {
  const elements = readElements(doc);
  const l = pngLayout(boardBounds(elements));
  const canvas = document.createElement('canvas');
  canvas.width = l.width;
  canvas.height = l.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('Canvas wird nicht unterstützt');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, l.width, l.height);
  ctx.setTransform(l.scale, 0, 0, l.scale, -l.originX * l.scale, -l.originY * l.scale);
  for (const { el } of elements) drawElement(ctx, el);
  return new Promise<Blob>((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('PNG-Export fehlgeschlagen'))), 'image/png');
  });
}
