/**
 * The simulator's event queue: a binary heap ordered by (time, seq). `seq` is a global counter
 * assigned when an event is scheduled, so events at the same virtual time run in the order they
 * were scheduled: a canonical tie-break that depends only on the run's own history, never on Map
 * or Set iteration order.
 */
export interface Queued<E> {
  time: number;
  seq: number;
  event: E;
}

export class EventQueue<E> {
  private heap: Queued<E>[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(time: number, event: E): void {
    if (!Number.isSafeInteger(time) || time < 0)
      throw new RangeError(`event time ${time} must be a non-negative integer`);
    const q: Queued<E> = { time, seq: this.nextSeq++, event };
    const h = this.heap;
    h.push(q);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  peek(): Queued<E> | undefined {
    return this.heap[0];
  }

  pop(): Queued<E> | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l]!, h[m]!)) m = l;
        if (r < h.length && less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function less<E>(a: Queued<E>, b: Queued<E>): boolean {
  return a.time !== b.time ? a.time < b.time : a.seq < b.seq;
}
