// Python values as Python's json and pickle modules hold them, for the files we share with Python tools.

/** A scalar as Python's json module loads it: bigint = int, number = float. */
export type PyScalar = string | bigint | number | boolean | null
export type PyValue = PyScalar | PyValue[] | Map<string, PyValue>

/** A JSON record built in JavaScript: plain objects keep their insertion order; number = float, bigint = int. */
export type PyJson = number | bigint | string | boolean | null | PyJson[] | {[key: string]: PyJson}
