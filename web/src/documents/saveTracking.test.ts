// Unit tests for the saved-state tracking of live documents: frame decoding, clock and deletion coverage.
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { SaveTracker, saveStateOf, subtractRanges, syncUpdateOfFrame } from './saveTracking';

function frame(messageType: number, syncType: number, payload: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, messageType);
  encoding.writeVarUint(e, syncType);
  encoding.writeVarUint8Array(e, payload);
  return encoding.toUint8Array(e);
}

/** A local doc whose updates are collected, plus a tracker on its client id. */
function localDoc() {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  const tracker = new SaveTracker(doc.clientID);
  doc.on('update', (u: Uint8Array) => {
    updates.push(u);
    tracker.localChange(u);
  });
  return { doc, updates, tracker };
}

describe('syncUpdateOfFrame', () => {
  it('returns the update of SyncStep2 and Update frames only', () => {
    const payload = new Uint8Array([1, 2, 3]);
    expect(syncUpdateOfFrame(frame(0, 1, payload))).toEqual(payload);
    expect(syncUpdateOfFrame(frame(0, 2, payload))).toEqual(payload);
    expect(syncUpdateOfFrame(frame(0, 0, payload))).toBeNull(); // SyncStep1
    expect(syncUpdateOfFrame(frame(1, 2, payload))).toBeNull(); // awareness
    expect(syncUpdateOfFrame(new Uint8Array([0]))).toBeNull(); // truncated
  });
});

describe('SaveTracker', () => {
  it('is saved at the start and unsaved after a local change until it is echoed', () => {
    const { doc, updates, tracker } = localDoc();
    expect(tracker.unsaved).toBe(false);
    doc.getText('text').insert(0, 'Hallo');
    expect(tracker.unsaved).toBe(true);
    tracker.received(updates[0]!);
    expect(tracker.unsaved).toBe(false);
  });

  it('waits for the echo of the latest change, not an earlier one', () => {
    const { doc, updates, tracker } = localDoc();
    const text = doc.getText('text');
    text.insert(0, 'a');
    text.insert(1, 'b');
    tracker.received(updates[0]!);
    expect(tracker.unsaved).toBe(true);
    tracker.received(updates[1]!);
    expect(tracker.unsaved).toBe(false);
  });

  it("ignores other clients' updates", () => {
    const { doc, tracker } = localDoc();
    doc.getText('text').insert(0, 'mine');
    const other = new Y.Doc();
    other.getText('text').insert(0, 'theirs');
    tracker.received(Y.encodeStateAsUpdate(other));
    expect(tracker.unsaved).toBe(true);
  });

  it('tracks deletions, which do not advance the clock', () => {
    const { doc, updates, tracker } = localDoc();
    const text = doc.getText('text');
    text.insert(0, 'Hallo Welt');
    tracker.received(updates[0]!);
    text.delete(0, 6);
    expect(tracker.unsaved).toBe(true);
    tracker.received(updates[1]!);
    expect(tracker.unsaved).toBe(false);
  });

  it('is covered by a merged echo (offline edits sent as one SyncStep2)', () => {
    const { doc, updates, tracker } = localDoc();
    const text = doc.getText('text');
    text.insert(0, 'eins ');
    text.insert(5, 'zwei');
    text.delete(0, 2);
    expect(tracker.unsaved).toBe(true);
    tracker.received(Y.mergeUpdates(updates));
    expect(tracker.unsaved).toBe(false);
  });
});

describe('subtractRanges', () => {
  it('splits a pending range around a covered middle', () => {
    expect(subtractRanges([{ client: 1, clock: 0, len: 10 }], [{ client: 1, clock: 3, len: 4 }])).toEqual([
      { client: 1, clock: 0, len: 3 },
      { client: 1, clock: 7, len: 3 },
    ]);
    expect(subtractRanges([{ client: 1, clock: 0, len: 10 }], [{ client: 2, clock: 0, len: 10 }])).toHaveLength(1);
  });
});

describe('saveStateOf', () => {
  it('prefers offline, then saving', () => {
    expect(saveStateOf(false, false)).toBe('offline');
    expect(saveStateOf(true, true)).toBe('saving');
    expect(saveStateOf(true, false)).toBe('saved');
  });
});
