// Splits a streamed `application/x-ndjson` body into lines, whatever the chunk boundaries are.

/**
 * Collects bytes chunk by chunk and hands out complete lines. A line (or a multi-byte UTF-8
 * character) cut in two by a chunk boundary is kept until its rest arrives; `\r\n` endings and
 * blank lines are tolerated.
 */
export class LineSplitter {
  private readonly decoder = new TextDecoder('utf-8');
  private rest = '';

  /** Adds a chunk (bytes or already decoded text) and returns the lines it completes. */
  push(chunk: Uint8Array | string): string[] {
    this.rest += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const parts = this.rest.split('\n');
    this.rest = parts.pop() ?? '';
    return clean(parts);
  }

  /** Ends the stream: returns the last line if it had no newline. */
  flush(): string[] {
    const last = this.rest + this.decoder.decode();
    this.rest = '';
    return clean([last]);
  }
}

function clean(lines: string[]): string[] {
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)).filter((l) => l.trim() !== '');
}

/** Reads a response body as NDJSON and calls `onValue` with each parsed line, in order. */
export async function readNdjson(body: ReadableStream<Uint8Array>, onValue: (value: unknown) => void): Promise<void> {
  const reader = body.getReader();
  const splitter = new LineSplitter();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const line of splitter.push(value)) onValue(JSON.parse(line));
    }
    for (const line of splitter.flush()) onValue(JSON.parse(line));
  } finally {
    reader.releaseLock();
  }
}
