/**
 * The lines of a JSON-lines stream, split at '\n' and nowhere else. (node:readline also splits at
 * U+2028 and U+2029, which JSON leaves unescaped inside strings: a value holding one would be cut in
 * two.) A line is decoded once it is whole, so a character split across chunks is never damaged.
 */
export async function* jsonLines(input: AsyncIterable<Buffer>): AsyncGenerator<string> {
  let parts: Buffer[] = [];
  for await (const chunk of input) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      const tail = chunk.subarray(start, nl);
      yield (parts.length === 0 ? tail : Buffer.concat([...parts, tail])).toString('utf8');
      parts = [];
      start = nl + 1;
    }
    if (start < chunk.length) parts.push(chunk.subarray(start));
  }
  if (parts.length > 0) yield Buffer.concat(parts).toString('utf8');
}
