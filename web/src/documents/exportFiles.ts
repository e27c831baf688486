// Downloads made in the browser (Blob + object URL, no request leaves the page): file names, the
// stand-alone HTML of an office document, and its print view for "PDF".

/** A safe file name from a document title: no path or control characters, never empty. */
export function fileName(title: string, extension: string): string {
  const base = title
    .replace(/[\\/:*?"<>|\u0000-\u001f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '')
    .slice(0, 100)
    .trim();
  return `${base || 'Dokument'}.${extension}`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const PRINT_CSS = `
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif; line-height: 1.5;
  max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1f2933; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #9aa5b1; padding: 0.3rem 0.6rem; vertical-align: top; }
th { background: #eef2f6; }
pre { background: #f4f6fa; padding: 0.6rem; overflow-x: auto; }
blockquote { border-left: 3px solid #c5cfdb; margin-left: 0; padding-left: 1rem; color: #3e4c59; }
@media print { body { margin: 0; max-width: none; } }`;

/** A complete HTML file around the editor's HTML (which the editor's schema already sanitised). */
export function htmlDocument(title: string, bodyHtml: string, lang = 'de'): string {
  return `<!doctype html>
<html lang="${escapeHtml(lang)}">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>${PRINT_CSS}</style>
</head>
<body>
${bodyHtml}
</body>
</html>
`;
}

/** Offers a Blob as a download with the given file name. */
export function downloadBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function downloadText(text: string, name: string, type: string): void {
  downloadBlob(new Blob([text], { type: `${type};charset=utf-8` }), name);
}

/**
 * Prints an HTML document from a hidden frame (the browser's print dialog offers "save as PDF").
 * The frame has no scripts of its own and is removed after printing.
 */
export function printHtml(html: string): void {
  const frame = document.createElement('iframe');
  frame.setAttribute('aria-hidden', 'true');
  frame.setAttribute('sandbox', 'allow-modals allow-same-origin');
  frame.style.cssText = 'position:fixed;width:0;height:0;border:0;right:0;bottom:0;';
  frame.srcdoc = html;
  frame.onload = () => {
    const w = frame.contentWindow;
    if (!w) return;
    w.addEventListener('afterprint', () => frame.remove());
    w.focus();
    w.print();
    // Some browsers do not fire afterprint for a frame; clean up later either way.
    setTimeout(() => frame.remove(), 60_000);
  };
  document.body.appendChild(frame);
}
