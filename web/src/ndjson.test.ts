// Unit tests for the NDJSON stream: line splitting across chunk boundaries and the streamed import apply.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './api';
import { applyImport, STREAM_CUT } from './importApi';
import { LineSplitter, readNdjson } from './ndjson';

const bytes = (s: string) => new TextEncoder().encode(s);

/** A response body that delivers the given chunks one by one. */
function stream(chunks: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(typeof c === 'string' ? bytes(c) : c);
      controller.close();
    },
  });
}

describe('LineSplitter', () => {
  it('keeps a line cut by a chunk boundary until its end arrives', () => {
    const s = new LineSplitter();
    expect(s.push(bytes('{"type":"progress","do'))).toEqual([]);
    expect(s.push(bytes('ne":1,"total":3}\n{"type":'))).toEqual(['{"type":"progress","done":1,"total":3}']);
    expect(s.push(bytes('"progress","done":2,"total":3}\n'))).toEqual(['{"type":"progress","done":2,"total":3}']);
    expect(s.flush()).toEqual([]);
  });

  it('returns several lines of one chunk in order and skips blank lines and CR', () => {
    const s = new LineSplitter();
    expect(s.push('a\r\n\nb\nc')).toEqual(['a', 'b']);
    expect(s.flush()).toEqual(['c']);
  });

  it('joins a multi-byte character split between chunks', () => {
    const all = bytes('{"message_de":"Schüler"}\n');
    const cut = all.indexOf(0xc3) + 1; // between the two bytes of "ü"
    const s = new LineSplitter();
    expect(s.push(all.slice(0, cut))).toEqual([]);
    expect(s.push(all.slice(cut))).toEqual(['{"message_de":"Schüler"}']);
  });

  it('splits correctly whatever the chunk size', () => {
    const text = '{"n":1}\n{"n":2}\n{"n":3}\n';
    for (let size = 1; size <= text.length; size++) {
      const s = new LineSplitter();
      const out: string[] = [];
      for (let i = 0; i < text.length; i += size) out.push(...s.push(bytes(text.slice(i, i + size))));
      out.push(...s.flush());
      expect(out).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
    }
  });
});

describe('readNdjson', () => {
  it('parses each line of a streamed body, including a last line without newline', async () => {
    const seen: unknown[] = [];
    await readNdjson(stream(['{"a":', '1}\n{"b"', ':2}']), (v) => seen.push(v));
    expect(seen).toEqual([{ a: 1 }, { b: 2 }]);
  });
});

describe('applyImport', () => {
  afterEach(() => vi.unstubAllGlobals());

  const respond = (chunks: string[]) =>
    vi.stubGlobal('fetch', vi.fn(async () => new Response(stream(chunks), { status: 200, headers: { 'Content-Type': 'application/x-ndjson' } })));

  it('reports progress and resolves with the result', async () => {
    const result = { run_id: 'r1', summary: { creates: 2 }, credentials: 2, unresolved_links: [] };
    respond(['{"type":"progress","done":1,"total":2}\n{"type":"prog', 'ress","done":2,"total":2}\n', `{"type":"done","result":${JSON.stringify(result)}}\n`]);
    const progress: [number, number][] = [];
    const got = await applyImport('pupils', new Blob(['x']), (d, t) => progress.push([d, t]));
    expect(progress).toEqual([
      [1, 2],
      [2, 2],
    ]);
    expect(got.run_id).toBe('r1');
    const [url, init] = (fetch as unknown as { mock: { calls: [string, RequestInit][] } }).mock.calls[0]!;
    expect(url).toBe('/api/import/apply?kind=pupils');
    expect(init.method).toBe('POST');
  });

  it('rejects with the localized error of an error line', async () => {
    respond(['{"type":"progress","done":0,"total":5}\n', '{"type":"error","error":{"code":"internal","message":"Boom.","message_de":"Bumm."}}\n']);
    const err = await applyImport('teachers', new Blob(['x']), () => {}).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('internal');
    expect(err.localized('de')).toBe('Bumm.');
    expect(err.localized('en')).toBe('Boom.');
  });

  it('says so when the stream ends without a final line', async () => {
    respond(['{"type":"progress","done":1,"total":5}\n']);
    await expect(applyImport('parents', new Blob(['x']), () => {})).rejects.toBe(STREAM_CUT);
  });

  it('turns an HTTP error answer into an ApiError', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('{"code":"import_file_invalid","message":"Empty.","message_de":"Leer."}', { status: 400 })),
    );
    const err = await applyImport('pupils', new Blob(['']), () => {}).catch((e) => e);
    expect(err.code).toBe('import_file_invalid');
    expect(err.localized('de')).toBe('Leer.');
  });
});
