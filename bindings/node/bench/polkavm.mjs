// Turns a JamV1 `.polkavm` guest into what a GP 0.7 engine runs: a raw program blob in the
// GP 0.7 opcode numbering plus the memory image and registers PolkaVM 0.37 would set up
// for a call of one export. Used to run the same guest code on this binding (gp "0.7")
// and on @fluffylabs/anan-as, which implements GP 0.7.2.
//
// Container format and layout rule: crates/pvm/src/container.rs (PolkaVM 0.37, page size
// 4096, 64 KiB guard zones). Both numberings come from the engine's instruction table
// (`pvm isa --json`, see `isa` in test/helpers.mjs); JamV1's `unlikely` has no GP 0.7 form
// and becomes `fallthrough` (see `renumber`).

import { isa } from '../test/helpers.mjs';

const MAGIC = [0x50, 0x56, 0x4d, 0x00];
const HALT_ADDRESS = 0xffff0000;
const ZONE = 0x10000;
const PAGE = 0x1000;
const ADDRESS_SPACE_TOP = 0x1_0000_0000 - ZONE;

/** A reader of PolkaVM prefix varints and bytes. */
class Reader {
  constructor(bytes, position = 0) {
    this.bytes = bytes;
    this.position = position;
  }

  byte() {
    if (this.position >= this.bytes.length) throw new Error('truncated .polkavm file');
    return this.bytes[this.position++];
  }

  take(length) {
    if (this.position + length > this.bytes.length) throw new Error('truncated .polkavm file');
    const out = this.bytes.subarray(this.position, this.position + length);
    this.position += length;
    return out;
  }

  varint() {
    const first = this.byte();
    let extra = 0;
    while (extra < 8 && first & (0x80 >> extra)) extra++;
    let low = 0;
    for (let i = 0; i < extra; i++) low += this.byte() * 2 ** (8 * i);
    return (first & (0xff >> extra)) * 2 ** (8 * extra) + low;
  }
}

/** The prefix varint encoding (the same in `.polkavm` files and GP raw blobs, for u32). */
function varint(value) {
  for (let extra = 0; extra < 4; extra++) {
    if (value < 2 ** (7 * (extra + 1))) {
      const high = Math.floor(value / 2 ** (8 * extra));
      const prefix = (0xff00 >> extra) & 0xff;
      const out = [prefix | high];
      for (let i = 0; i < extra; i++) out.push(Math.floor(value / 2 ** (8 * i)) & 0xff);
      return out;
    }
  }
  return [0xf0, value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24];
}

/** Parses the sections of a `.polkavm` file that a call needs. */
export function parseContainer(bytes) {
  if (!MAGIC.every((b, i) => bytes[i] === b)) throw new Error('not a .polkavm file');
  const reader = new Reader(bytes, 4 + 1 + 8);
  const out = { roDataSize: 0, rwDataSize: 0, stackSize: 0, roData: new Uint8Array(), rwData: new Uint8Array() };
  out.exports = new Map();
  for (;;) {
    const section = reader.byte();
    if (section === 0) break;
    const body = new Reader(reader.take(reader.varint()));
    if (section === 1) {
      out.roDataSize = body.varint();
      out.rwDataSize = body.varint();
      out.stackSize = body.varint();
    } else if (section === 2) out.roData = body.bytes;
    else if (section === 3) out.rwData = body.bytes;
    else if (section === 5) {
      const count = body.varint();
      for (let i = 0; i < count; i++) {
        const pc = body.varint();
        const name = new TextDecoder().decode(body.take(body.varint()));
        out.exports.set(name, pc);
      }
    } else if (section === 6) {
      const count = body.varint();
      const entrySize = body.byte();
      const codeLength = body.varint();
      const table = body.take(count * entrySize);
      out.jumpTable = [];
      for (let i = 0; i < count; i++) {
        let entry = 0;
        for (let b = entrySize - 1; b >= 0; b--) entry = entry * 256 + table[i * entrySize + b];
        out.jumpTable.push(entry);
      }
      out.code = body.take(codeLength);
      out.bitmask = body.take(Math.ceil(codeLength / 8));
    }
  }
  return out;
}

const alignUp = (value, to) => Math.ceil(value / to) * to;

/** PolkaVM 0.37's memory layout (no aux data): the mapped regions and the stack pointer. */
export function memoryLayout(container) {
  const roAddress = ZONE;
  const rwAddress = roAddress + alignUp(container.roDataSize, ZONE) + ZONE;
  const stackHigh = ADDRESS_SPACE_TOP - ZONE;
  const stackLow = stackHigh - alignUp(container.stackSize, PAGE);
  return {
    ro: { address: roAddress, length: alignUp(container.roDataSize, PAGE) },
    rw: { address: rwAddress, length: alignUp(container.rwDataSize, PAGE) },
    stack: { address: stackLow, length: stackHigh - stackLow },
    stackPointer: stackHigh,
  };
}

/**
 * JamV1 opcode byte → GP 0.7 byte, for every JamV1 instruction. `unlikely` (a no-op branch
 * hint that does not exist in GP 0.7) maps to `fallthrough`, the GP 0.7 no-op: also one gas,
 * and the block boundary it adds is one no jump needs.
 */
function gp07Bytes() {
  const table = isa();
  const bytes = new Map();
  for (const row of table.values()) {
    if (row.opcode === null) continue;
    const target = row.name === 'unlikely' ? table.get('fallthrough') : row;
    if (target.opcode_0_7 === null) throw new Error(`${row.name} has no GP 0.7 form`);
    bytes.set(row.opcode, target.opcode_0_7);
  }
  return bytes;
}

/** The code renumbered from JamV1 to GP 0.7 (bytes that are not an instruction stay). */
function renumber(code, bitmask) {
  const bytes = gp07Bytes();
  const out = Uint8Array.from(code);
  for (let pc = 0; pc < code.length; pc++) {
    if (!(bitmask[pc >> 3] & (1 << (pc & 7)))) continue;
    out[pc] = bytes.get(code[pc]) ?? code[pc];
  }
  return out;
}

/** A GP raw program blob: jump table, code, bitmask. */
function encodeBlob(jumpTable, code, bitmask) {
  const max = jumpTable.reduce((a, b) => Math.max(a, b), 0);
  const entrySize = max === 0 ? 0 : max < 2 ** 8 ? 1 : max < 2 ** 16 ? 2 : max < 2 ** 24 ? 3 : 4;
  const parts = [varint(jumpTable.length), [entrySize], varint(code.length)];
  const table = new Uint8Array(jumpTable.length * entrySize);
  jumpTable.forEach((entry, i) => {
    for (let b = 0; b < entrySize; b++) table[i * entrySize + b] = Math.floor(entry / 2 ** (8 * b)) & 0xff;
  });
  const head = Uint8Array.from(parts.flat());
  const out = new Uint8Array(head.length + table.length + code.length + bitmask.length);
  out.set(head, 0);
  out.set(table, head.length);
  out.set(code, head.length + table.length);
  out.set(bitmask, head.length + table.length + code.length);
  return out;
}

/**
 * Everything a GP 0.7 engine needs to call export `name(arg)` of a `.polkavm` guest:
 * `{ blob, pc, regs, pages: [{address, length, writable}], chunks: [{address, data}] }`.
 */
export function gp07Call(bytes, name, arg) {
  const container = parseContainer(bytes);
  const pc = container.exports.get(name);
  if (pc === undefined) throw new Error(`no export ${name}`);
  const layout = memoryLayout(container);
  const regs = new Array(13).fill(0n);
  regs[0] = BigInt(HALT_ADDRESS);
  regs[1] = BigInt(layout.stackPointer);
  regs[7] = BigInt(arg);
  return {
    blob: encodeBlob(container.jumpTable, renumber(container.code, container.bitmask), container.bitmask),
    pc,
    regs,
    pages: [
      { ...layout.ro, writable: false },
      { ...layout.rw, writable: true },
      { ...layout.stack, writable: true },
    ].filter((page) => page.length > 0),
    chunks: [
      { address: layout.ro.address, data: container.roData },
      { address: layout.rw.address, data: container.rwData },
    ].filter((chunk) => chunk.data.length > 0),
  };
}
