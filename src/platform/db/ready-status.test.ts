import { describe, expect, it } from 'vitest';
import { leavesIdle } from './ready-status.ts';

/** One backend message: its type, its length (counting itself) and its body. */
function message(type: string, body: number[] = []): number[] {
  const length = 4 + body.length;
  return [type.charCodeAt(0), (length >>> 24) & 0xff, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff, ...body];
}
const ready = (status: string) => message('Z', [status.charCodeAt(0)]);
const reply = (...messages: number[][]) => new Uint8Array(messages.flat());
// A row whose last bytes look like ReadyForQuery 'I'.
const row = message('D', [0, 1, 0, 0, 0, 6, 0x5a, 0, 0, 0, 5, 0x49]);

describe('leavesIdle', () => {
  it('is true only when the reply ends with ReadyForQuery saying idle', () => {
    expect(leavesIdle(reply(message('1'), message('2'), row, message('C', [0x53, 0]), ready('I')))).toBe(true);
    expect(leavesIdle(reply(message('C', [0x42, 0]), ready('T')))).toBe(false);
    expect(leavesIdle(reply(message('E', [0]), ready('E')))).toBe(false);
  });

  it('is false for a reply that does not end the exchange, even when its last bytes look like one that does', () => {
    expect(leavesIdle(reply(message('C', [0x53, 0]), row))).toBe(false);
    expect(leavesIdle(reply(message('G', [0, 0, 0])))).toBe(false);
    expect(leavesIdle(reply(ready('I')).subarray(0, 5))).toBe(false);
    expect(leavesIdle(new Uint8Array(0))).toBe(false);
  });
});
