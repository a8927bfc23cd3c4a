// Number formatting that reproduces the text auDeep's exports contain (audeep-reference.md §6.1):
// CSV features are numpy float32 reprs (written by pandas), ARFF reals are Python float reprs of the
// float32 value widened to double (written by liac-arff). JavaScript's Number#toString differs from both
// (no ".0", other scientific thresholds, no exponent padding, double digits for float32 data), so export
// text can only be byte-identical with these formatters.

/** Shortest decimal digits of a positive finite value: value = 0.d1d2... x 10^(exponent + 1). */
interface Decimal {
  /** Significant digits without leading or trailing zeros ("1", "89557085"). */
  digits: string
  /** Decimal exponent of the first digit (1.5 -> 0, 0.001 -> -3). */
  exponent: number
}

const f32 = new Float32Array(1)
const f32bits = new Uint32Array(f32.buffer)

/** x = mantissa x 2^exponent for a positive finite float32, and the widths of its rounding interval. */
interface Float32Parts {
  mantissa: number
  exponent: number
  /** Distance from x to the half-way point to the next float32 above. */
  highMargin: number
  /** Same below; half as wide at a power of two. */
  lowMargin: number
  /** numpy (Dragon4) includes the interval's end points exactly when the mantissa is even (IEEE ties-to-even). */
  inclusive: boolean
}

function float32Parts(x: number): Float32Parts {
  f32[0] = x
  const bits = f32bits[0]
  const biased = (bits >>> 23) & 0xff
  const mantissa = biased === 0 ? bits & 0x7fffff : (bits & 0x7fffff) | 0x800000
  const exponent = biased === 0 ? -149 : biased - 150
  const highMargin = 2 ** (exponent - 1)
  const narrowBelow = biased > 1 && mantissa === 0x800000
  return {mantissa, exponent, highMargin, lowMargin: narrowBelow ? highMargin / 2 : highMargin, inclusive: (mantissa & 1) === 0}
}

/** Sign of n x 10^scale - m x 2^e, exactly. */
function compareExact(n: bigint, scale: number, m: bigint, e: number): number {
  let left = n
  let right = m
  if (scale >= 0) left *= 10n ** BigInt(scale)
  else right *= 10n ** BigInt(-scale)
  if (e >= 0) right <<= BigInt(e)
  else left <<= BigInt(-e)
  return left > right ? 1 : left < right ? -1 : 0
}

/**
 * Whether the decimal digits x 10^scale names float32 x for numpy: it lies inside x's rounding interval.
 * Settled in double arithmetic unless the candidate is within a parsing error of the interval's end.
 */
function namesFloat32(x: number, parts: Float32Parts, digits: string, scale: number): boolean {
  // value and x are within a factor of two, so the difference is exact; only `value` carries a rounding
  // error (at most half a double ulp of x).
  const value = Number(`${digits}e${scale}`)
  const diff = value - x
  const margin = diff >= 0 ? parts.highMargin : parts.lowMargin
  const distance = Math.abs(diff)
  const slack = x * 2 ** -50
  if (distance < margin - slack) return true
  if (distance > margin + slack) return false
  // Compare with the end point x ± margin exactly; margins are powers of two, so the end point is
  // (2m ± 1 or 4m - 1) x 2^(e-1 or e-2).
  const m = BigInt(parts.mantissa)
  const narrow = diff < 0 && margin !== parts.highMargin
  const endMantissa = narrow ? 4n * m - 1n : diff >= 0 ? 2n * m + 1n : 2n * m - 1n
  const endExponent = parts.exponent - (narrow ? 2 : 1)
  const c = compareExact(BigInt(digits), scale, endMantissa, endExponent)
  if (c === 0) return parts.inclusive
  return diff >= 0 ? c < 0 : c > 0
}

/** Splits toExponential output "d.ddde±k" into digits and exponent. */
function splitExponential(text: string): Decimal {
  const e = text.indexOf('e')
  const mantissa = text.slice(0, e)
  const digits = mantissa.length > 1 ? mantissa[0] + mantissa.slice(2) : mantissa
  return {digits, exponent: Number(text.slice(e + 1))}
}

function stripTrailingZeros(digits: string): string {
  let end = digits.length
  while (end > 1 && digits.charCodeAt(end - 1) === 48) end--
  return end === digits.length ? digits : digits.slice(0, end)
}

/** The p-digit decimal one unit in the last place above `d` (99 -> 100 becomes "10" one decade up). */
function nextUp(d: Decimal, p: number): Decimal {
  const digits = String(Number(d.digits) + 1)
  return digits.length > p ? {digits: digits.slice(0, p), exponent: d.exponent + 1} : {digits, exponent: d.exponent}
}

/** The p-digit decimal one unit in the last place below `d` (100 -> 99 becomes "999" one decade down). */
function nextDown(d: Decimal, p: number): Decimal {
  const n = Number(d.digits) - 1
  return String(n).length < p ? {digits: String(n * 10 + 9), exponent: d.exponent - 1} : {digits: String(n), exponent: d.exponent}
}

function isAll(text: string, from: number, code: number): boolean {
  for (let i = from; i < text.length; i++) if (text.charCodeAt(i) !== code) return false
  return true
}

/**
 * The p-digit decimal numpy prints for x, if p digits suffice: of the two p-digit neighbours of x, the one
 * inside x's rounding interval, or, when both are, the nearer (an exact tie goes to the even digit).
 * `wide` is x to 17 digits, from which the neighbours are read off unless the digits beyond p are
 * 000... or 5000... (where 17-digit rounding may hide which side of a boundary x is on).
 */
function float32DigitsAt(x: number, parts: Float32Parts, wide: Decimal, p: number): Decimal | null {
  let lower: Decimal
  let upper: Decimal
  let nearerIsUpper: boolean
  let tie = false
  const tailStart = wide.digits.charCodeAt(p)
  if (!isAll(wide.digits, p, 48) && !(tailStart === 53 && isAll(wide.digits, p + 1, 48))) {
    lower = {digits: wide.digits.slice(0, p), exponent: wide.exponent}
    upper = nextUp(lower, p)
    nearerIsUpper = tailStart >= 53
  } else {
    // Exact path: toExponential rounds the exact value (ties away from zero).
    const nearest = splitExponential(x.toExponential(p - 1))
    const scale = nearest.exponent - (p - 1)
    const m = BigInt(parts.mantissa)
    const c = compareExact(BigInt(nearest.digits), scale, m, parts.exponent)
    if (c === 0) return nearest
    if (c > 0) {
      upper = nearest
      lower = nextDown(nearest, p)
      nearerIsUpper = true
    } else {
      lower = nearest
      upper = nextUp(nearest, p)
      nearerIsUpper = false
    }
    // Midpoint of lower and upper = (2 lower + 1) x 10^(scale - 1) / 2 ... compared as (10 lower + 5) x 10^(s-1).
    const lowerScale = lower.exponent - (p - 1)
    tie = compareExact(BigInt(lower.digits) * 10n + 5n, lowerScale - 1, m, parts.exponent) === 0
  }
  const lowerOk = namesFloat32(x, parts, lower.digits, lower.exponent - (p - 1))
  const upperOk = namesFloat32(x, parts, upper.digits, upper.exponent - (p - 1))
  if (lowerOk && upperOk) {
    if (tie) return (lower.digits.charCodeAt(p - 1) & 1) === 0 ? lower : upper
    return nearerIsUpper ? upper : lower
  }
  return lowerOk ? lower : upperOk ? upper : null
}

/** Shortest digits naming the float32 x (positive, finite, non-zero), as numpy's Dragon4 picks them. */
function shortestFloat32(x: number): Decimal {
  // Small integers (e.g. the -1/0/1 that dominate scaled spectrograms) are their own shortest form.
  if (x < 16777216 && Number.isInteger(x)) {
    const text = String(x)
    return {digits: stripTrailingZeros(text), exponent: text.length - 1}
  }
  const parts = float32Parts(x)
  const wide = splitExponential(x.toExponential(16))
  // Whether some p-digit decimal names x is monotone in p (append a zero), so binary-search 1..9;
  // 9 digits always suffice for float32.
  let lo = 1
  let hi = 9
  let best: Decimal | null = null
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    const found = float32DigitsAt(x, parts, wide, mid)
    if (found) {
      best = found
      hi = mid
    } else lo = mid + 1
  }
  if (!best || best.digits.length !== lo) best = float32DigitsAt(x, parts, wide, lo)
  if (!best) throw new Error(`no 9-digit decimal names float32 ${x}`)
  return {digits: stripTrailingZeros(best.digits), exponent: best.exponent}
}

/** Python/numpy positional notation: always with a fractional part. */
function positional(d: Decimal): string {
  const {digits, exponent} = d
  if (exponent < 0) return '0.' + '0'.repeat(-exponent - 1) + digits
  if (exponent >= digits.length - 1) return digits + '0'.repeat(exponent - digits.length + 1) + '.0'
  return digits.slice(0, exponent + 1) + '.' + digits.slice(exponent + 1)
}

/** Python/numpy scientific notation: exponent with a sign and at least two digits. */
function scientific(d: Decimal): string {
  const {digits, exponent} = d
  const mantissa = digits.length === 1 ? digits : digits[0] + '.' + digits.slice(1)
  const sign = exponent < 0 ? '-' : '+'
  const magnitude = Math.abs(exponent)
  return `${mantissa}e${sign}${magnitude < 10 ? '0' : ''}${magnitude}`
}

function nonFinite(x: number): string {
  return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf'
}

/**
 * numpy's repr of a float32 (what pandas writes for float32 columns): the shortest digits that read back
 * as the same float32 (at most 9), positional with ".0" when 1e-4 <= |x| < 1e16 (judged on the float32
 * value), scientific otherwise ("8.9557085e-05", and "1e-04" for float32(1e-4) = 9.9999997e-05).
 * The argument is rounded to float32 first.
 */
export function formatFloat32Numpy(x: number): string {
  x = Math.fround(x)
  if (!Number.isFinite(x)) return nonFinite(x)
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  const negative = x < 0
  const abs = negative ? -x : x
  const d = shortestFloat32(abs)
  const text = abs < 1e-4 || abs >= 1e16 ? scientific(d) : positional(d)
  return negative ? '-' + text : text
}

/**
 * Python's repr of a double: the shortest round-trip digits, scientific when the decimal exponent is
 * < -4 or >= 16 ("1e-05", "1e+16", "8.955708472058177e-05"), otherwise positional with ".0" when integral.
 */
export function formatFloat64Python(x: number): string {
  if (!Number.isFinite(x)) return nonFinite(x)
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  const abs = x < 0 ? -x : x
  // Exact comparisons are valid: a double below 1e-4 cannot have a shortest repr with exponent -4 (the
  // decimal 1e-4 reads back as a different double), and 1e16 is itself a double.
  if (abs >= 1e-4 && abs < 1e16) {
    // JavaScript prints this range positionally with the same shortest digits; only ".0" is missing.
    const text = String(x)
    return text.includes('.') ? text : text + '.0'
  }
  const text = scientific(splitExponential(abs.toExponential()))
  return x < 0 ? '-' + text : text
}
