/**
 * Just enough of the WebAssembly binary format to cap a module's memory: the memory section's limits are
 * rewritten so its maximum is at most the cell's cap, whatever the module declared (a module that
 * declares none could otherwise grow to 4 GiB). Everything else is left to `WebAssembly.Module`.
 */
const MEMORY_SECTION = 5;
export const PAGE_BYTES = 65_536;

interface Leb {
  readonly value: number;
  readonly next: number;
}

function readLeb(bytes: Uint8Array, at: number): Leb {
  let value = 0;
  let shift = 0;
  let i = at;
  for (;;) {
    if (i >= bytes.length) throw new Error('truncated LEB128 number');
    const b = bytes[i++]!;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
    shift += 7;
    if (shift > 35) throw new Error('LEB128 number too long');
  }
  return { value, next: i };
}

function writeLeb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

export type CapResult =
  | { readonly ok: true; readonly bytes: Uint8Array; readonly declaredMaxPages: number | null }
  | { readonly ok: false; readonly problem: string };

/** The module with its memory's maximum set to at most `capPages` (pages of 64 KiB). */
export function capMemory(bytes: Uint8Array, capPages: number): CapResult {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d)
    return { ok: false, problem: 'not a WebAssembly module (no \\0asm header)' };
  try {
    let at = 8;
    while (at < bytes.length) {
      const id = bytes[at]!;
      const size = readLeb(bytes, at + 1);
      const start = size.next;
      const end = start + size.value;
      if (end > bytes.length) return { ok: false, problem: 'a section runs past the end of the module' };
      if (id === MEMORY_SECTION) {
        const count = readLeb(bytes, start);
        if (count.value !== 1)
          return { ok: false, problem: `the module defines ${count.value} memories (one is allowed)` };
        const flags = bytes[count.next]!;
        if (flags !== 0 && flags !== 1)
          return { ok: false, problem: 'shared or 64-bit memories are not allowed' };
        const min = readLeb(bytes, count.next + 1);
        const max = flags === 1 ? readLeb(bytes, min.next) : null;
        if ((max?.next ?? min.next) !== end)
          return { ok: false, problem: 'the memory section has trailing bytes' };
        if (min.value > capPages)
          return {
            ok: false,
            problem: `the module's memory starts at ${min.value} pages, above the cap of ${capPages} (${capPages * 64} KiB)`,
          };
        const newMax = Math.min(max?.value ?? capPages, capPages);
        const body = [...writeLeb(1), 1, ...writeLeb(min.value), ...writeLeb(newMax)];
        const section = [MEMORY_SECTION, ...writeLeb(body.length), ...body];
        const out = new Uint8Array(bytes.length - (end - at) + section.length);
        out.set(bytes.subarray(0, at), 0);
        out.set(section, at);
        out.set(bytes.subarray(end), at + section.length);
        return { ok: true, bytes: out, declaredMaxPages: max?.value ?? null };
      }
      at = end;
    }
    return { ok: true, bytes, declaredMaxPages: null };
  } catch (e) {
    return { ok: false, problem: `malformed module: ${(e as Error).message}` };
  }
}
