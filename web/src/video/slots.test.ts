// Unit tests for the receive-slot planning and the offer maps: which m-line carries which remote track, reuse
// of inactive slots of the same kind, and the publish/receive maps sent with an offer.
import { describe, expect, it } from 'vitest';
import { applyPlan, offerMaps, planIsEmpty, planSlots, type RecvSlot } from './slots';
import type { VideoTrack } from './protocol';

const track = (id: number, kind: string, participant = id * 10): VideoTrack => ({ id, participant, kind, muted: false });

describe('planSlots', () => {
  it('creates one recvonly slot per new track, in id order', () => {
    const plan = planSlots([], [track(5, 'camera'), track(3, 'audio'), track(7, 'screen')]);
    expect(plan).toEqual({
      release: [],
      reuse: [],
      create: [
        { kind: 'audio', trackId: 3 },
        { kind: 'video', trackId: 5 },
        { kind: 'video', trackId: 7 },
      ],
    });
  });

  it('keeps slots whose track stays and plans nothing when all are there', () => {
    const slots: RecvSlot[] = [
      { key: 1, kind: 'audio', trackId: 3 },
      { key: 2, kind: 'video', trackId: 5 },
    ];
    const plan = planSlots(slots, [track(3, 'audio'), track(5, 'camera')]);
    expect(planIsEmpty(plan)).toBe(true);
  });

  it('releases the slots of tracks that left', () => {
    const slots: RecvSlot[] = [
      { key: 1, kind: 'audio', trackId: 3 },
      { key: 2, kind: 'video', trackId: 5 },
    ];
    expect(planSlots(slots, [track(3, 'audio')])).toEqual({ release: [2], reuse: [], create: [] });
  });

  it('reuses a free slot of the same kind before creating one', () => {
    const slots: RecvSlot[] = [
      { key: 1, kind: 'audio', trackId: null },
      { key: 2, kind: 'video', trackId: null },
      { key: 3, kind: 'video', trackId: 9 },
    ];
    const plan = planSlots(slots, [track(9, 'camera'), track(11, 'screen'), track(12, 'camera'), track(13, 'audio'), track(14, 'audio')]);
    expect(plan.release).toEqual([]);
    expect(plan.reuse).toEqual([
      { key: 2, trackId: 11 },
      { key: 1, trackId: 13 },
    ]);
    expect(plan.create).toEqual([
      { kind: 'video', trackId: 12 },
      { kind: 'audio', trackId: 14 },
    ]);
  });

  it('hands a slot whose track left straight to a new track of its kind (no release)', () => {
    const slots: RecvSlot[] = [{ key: 4, kind: 'video', trackId: 5 }];
    expect(planSlots(slots, [track(6, 'camera')])).toEqual({ release: [], reuse: [{ key: 4, trackId: 6 }], create: [] });
  });

  it('never gives an audio slot to video', () => {
    const slots: RecvSlot[] = [{ key: 1, kind: 'audio', trackId: null }];
    expect(planSlots(slots, [track(2, 'camera')]).create).toEqual([{ kind: 'video', trackId: 2 }]);
  });
});

describe('applyPlan', () => {
  it('gives new slots keys from nextKey and updates the others', () => {
    const slots: RecvSlot[] = [
      { key: 1, kind: 'audio', trackId: 3 },
      { key: 2, kind: 'video', trackId: 5 },
      { key: 3, kind: 'video', trackId: null },
    ];
    const wanted = [track(3, 'audio'), track(8, 'camera'), track(9, 'camera')];
    const plan = planSlots(slots, wanted);
    const after = applyPlan(slots, plan, 10);
    expect(after).toEqual([
      { key: 1, kind: 'audio', trackId: 3 },
      { key: 2, kind: 'video', trackId: 8 },
      { key: 3, kind: 'video', trackId: 9 },
    ]);
    expect(planIsEmpty(planSlots(after, wanted))).toBe(true);
    const shrunk = applyPlan(after, planSlots(after, [track(9, 'camera'), track(20, 'audio')]), 10);
    expect(shrunk).toEqual([
      { key: 1, kind: 'audio', trackId: 20 },
      { key: 2, kind: 'video', trackId: null },
      { key: 3, kind: 'video', trackId: 9 },
    ]);
  });
});

describe('offerMaps', () => {
  it('names active sending m-lines and the track of every busy receive slot', () => {
    const mids: Record<number, string | null> = { 1: '3', 2: '4', 3: null };
    const maps = offerMaps(
      [
        { kind: 'audio', mid: '0', active: true },
        { kind: 'camera', mid: '1', active: true },
        { kind: 'screen', mid: '2', active: false },
      ],
      [
        { key: 1, kind: 'audio', trackId: 7 },
        { key: 2, kind: 'video', trackId: null },
        { key: 3, kind: 'video', trackId: 8 },
      ],
      (key) => mids[key] ?? null,
    );
    expect(maps).toEqual({ publish: { '0': 'audio', '1': 'camera' }, receive: { '3': 7 } });
  });
});
