/**
 * Whether a server's reply leaves its connection outside any transaction: its last message is
 * ReadyForQuery ('Z', length 5) with the status 'I' ('T' is inside a transaction, 'E' inside a failed
 * one). A reply that ends otherwise (a COPY waiting for its data, a reply cut short) does not.
 * Read from the messages' own lengths, so a row's bytes are never taken for a message.
 */
export function leavesIdle(bytes: Uint8Array): boolean {
  let at = 0;
  let last = -1;
  while (at + 5 <= bytes.length) {
    last = at;
    at += 1 + ((bytes[at + 1] << 24) | (bytes[at + 2] << 16) | (bytes[at + 3] << 8) | bytes[at + 4]);
  }
  return last >= 0 && at === bytes.length && bytes[last] === 0x5a && bytes[last + 4] === 5 && bytes[last + 5] === 0x49;
}
