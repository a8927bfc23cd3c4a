// Python's pickle module for the values heareval stores (lists of label lists): protocol 2 out,
// protocols 2-5 in.

import {UserError} from '../core/errors.js'
import type {PyScalar} from './value.js'

export type PickleValue = PyScalar | PickleValue[]

const OP = {
  MARK: 0x28,
  STOP: 0x2e,
  EMPTY_LIST: 0x5d,
  APPEND: 0x61,
  APPENDS: 0x65,
  LIST: 0x6c,
  EMPTY_TUPLE: 0x29,
  TUPLE: 0x74,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  BINUNICODE: 0x58,
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE8: 0x8d,
  BININT: 0x4a,
  BININT1: 0x4b,
  BININT2: 0x4d,
  LONG1: 0x8a,
  BINFLOAT: 0x47,
  NONE: 0x4e,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  PROTO: 0x80,
  FRAME: 0x95,
  BINPUT: 0x71,
  LONG_BINPUT: 0x72,
  MEMOIZE: 0x94,
  BINGET: 0x68,
  LONG_BINGET: 0x6a,
} as const

/** Two's complement little-endian bytes of `v`, as short as Python's encode_long makes them. */
function longBytes(v: bigint): number[] {
  const bytes: number[] = []
  let x = v
  for (;;) {
    bytes.push(Number(x & 0xffn))
    x >>= 8n
    const sign = bytes[bytes.length - 1] & 0x80
    if ((x === 0n && sign === 0) || (x === -1n && sign !== 0)) return bytes
  }
}

/** A pickle (protocol 2) of nested lists of Python scalars; this is what pickle.load gives back. */
export function encodePickle(value: PickleValue): Buffer {
  const parts: Buffer[] = [Buffer.from([OP.PROTO, 2])]
  const byte = (...b: number[]): void => void parts.push(Buffer.from(b))
  const emit = (v: PickleValue): void => {
    if (Array.isArray(v)) {
      byte(OP.EMPTY_LIST, OP.MARK)
      v.forEach(emit)
      byte(OP.APPENDS)
    } else if (typeof v === 'string') {
      const utf8 = Buffer.from(v, 'utf8')
      const header = Buffer.alloc(5)
      header[0] = OP.BINUNICODE
      header.writeUInt32LE(utf8.length, 1)
      parts.push(header, utf8)
    } else if (typeof v === 'bigint') {
      if (v >= 0n && v < 256n) byte(OP.BININT1, Number(v))
      else if (v >= 0n && v < 65536n) byte(OP.BININT2, Number(v) & 0xff, Number(v) >> 8)
      else if (v >= -(2n ** 31n) && v < 2n ** 31n) {
        const b = Buffer.alloc(5)
        b[0] = OP.BININT
        b.writeInt32LE(Number(v), 1)
        parts.push(b)
      } else {
        const bytes = longBytes(v)
        byte(OP.LONG1, bytes.length, ...bytes)
      }
    } else if (typeof v === 'number') {
      const b = Buffer.alloc(9)
      b[0] = OP.BINFLOAT
      b.writeDoubleBE(v, 1)
      parts.push(b)
    } else if (typeof v === 'boolean') byte(v ? OP.NEWTRUE : OP.NEWFALSE)
    else byte(OP.NONE)
  }
  emit(value)
  byte(OP.STOP)
  return Buffer.concat(parts)
}

/**
 * Reads a pickle of nested lists/tuples of str, int, float, bool and None (tuples become arrays), as
 * written by encodePickle or by Python's pickle.dump with any protocol from 2 up.
 */
export function decodePickle(bytes: Uint8Array, file = 'pickle'): PickleValue {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const stack: (PickleValue | typeof MARK)[] = []
  const memo = new Map<number, PickleValue>()
  let pos = 0
  const need = (n: number): void => {
    if (pos + n > buf.length) throw new UserError(`${file}: truncated pickle`)
  }
  const popMark = (): PickleValue[] => {
    const at = stack.lastIndexOf(MARK)
    if (at < 0) throw new UserError(`${file}: malformed pickle (no MARK)`)
    const items = stack.splice(at) as PickleValue[]
    items.shift()
    return items
  }
  const top = (): PickleValue => {
    const v = stack[stack.length - 1]
    if (v === undefined || v === MARK) throw new UserError(`${file}: malformed pickle (empty stack)`)
    return v
  }
  const text = (n: number): string => {
    need(n)
    const s = buf.toString('utf8', pos, pos + n)
    pos += n
    return s
  }
  for (;;) {
    need(1)
    const op = buf[pos++]
    switch (op) {
      case OP.PROTO:
        need(1)
        pos += 1
        break
      case OP.FRAME:
        need(8)
        pos += 8
        break
      case OP.STOP: {
        if (stack.length !== 1) throw new UserError(`${file}: malformed pickle (${stack.length} values left at STOP)`)
        return top()
      }
      case OP.MARK:
        stack.push(MARK)
        break
      case OP.EMPTY_LIST:
        stack.push([])
        break
      case OP.EMPTY_TUPLE:
        stack.push([])
        break
      case OP.LIST:
      case OP.TUPLE:
        stack.push(popMark())
        break
      case OP.TUPLE1:
      case OP.TUPLE2:
      case OP.TUPLE3: {
        const n = op - OP.TUPLE1 + 1
        if (stack.length < n) throw new UserError(`${file}: malformed pickle (short stack)`)
        stack.push(stack.splice(stack.length - n) as PickleValue[])
        break
      }
      case OP.APPEND: {
        const item = stack.pop() as PickleValue
        const list = top()
        if (!Array.isArray(list)) throw new UserError(`${file}: malformed pickle (APPEND to a non-list)`)
        list.push(item)
        break
      }
      case OP.APPENDS: {
        const items = popMark()
        const list = top()
        if (!Array.isArray(list)) throw new UserError(`${file}: malformed pickle (APPENDS to a non-list)`)
        for (const item of items) list.push(item)
        break
      }
      case OP.BINUNICODE:
        need(4)
        {
          const n = buf.readUInt32LE(pos)
          pos += 4
          stack.push(text(n))
        }
        break
      case OP.SHORT_BINUNICODE:
        need(1)
        {
          const n = buf[pos++]
          stack.push(text(n))
        }
        break
      case OP.BINUNICODE8:
        need(8)
        {
          const n = Number(buf.readBigUInt64LE(pos))
          pos += 8
          stack.push(text(n))
        }
        break
      case OP.BININT:
        need(4)
        stack.push(BigInt(buf.readInt32LE(pos)))
        pos += 4
        break
      case OP.BININT1:
        need(1)
        stack.push(BigInt(buf[pos++]))
        break
      case OP.BININT2:
        need(2)
        stack.push(BigInt(buf.readUInt16LE(pos)))
        pos += 2
        break
      case OP.LONG1: {
        need(1)
        const n = buf[pos++]
        need(n)
        let v = 0n
        for (let k = n - 1; k >= 0; k--) v = (v << 8n) | BigInt(buf[pos + k])
        if (n > 0 && buf[pos + n - 1] & 0x80) v -= 1n << BigInt(8 * n)
        pos += n
        stack.push(v)
        break
      }
      case OP.BINFLOAT:
        need(8)
        stack.push(buf.readDoubleBE(pos))
        pos += 8
        break
      case OP.NONE:
        stack.push(null)
        break
      case OP.NEWTRUE:
        stack.push(true)
        break
      case OP.NEWFALSE:
        stack.push(false)
        break
      case OP.BINPUT:
        need(1)
        memo.set(buf[pos++], top())
        break
      case OP.LONG_BINPUT:
        need(4)
        memo.set(buf.readUInt32LE(pos), top())
        pos += 4
        break
      case OP.MEMOIZE:
        memo.set(memo.size, top())
        break
      case OP.BINGET:
      case OP.LONG_BINGET: {
        const key = op === OP.BINGET ? (need(1), buf[pos]) : (need(4), buf.readUInt32LE(pos))
        pos += op === OP.BINGET ? 1 : 4
        const v = memo.get(key)
        if (v === undefined) throw new UserError(`${file}: malformed pickle (memo ${key} missing)`)
        stack.push(v)
        break
      }
      default:
        throw new UserError(
          `${file}: unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${pos - 1} (only lists of strings and numbers are read)`,
        )
    }
  }
}

const MARK = Symbol('mark')
