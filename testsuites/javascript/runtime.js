// assay's JavaScript harness (testsuites/javascript), the judge model's two programs
// (../shared/DESIGN.md "The judge model"; the host side is src/pipeline/judge_programs.*):
//  - runner() (runner.js.in): after the candidate's program, evaluates the candidate's side of
//    each assertion natively and sends each value, canonically encoded, as a record on fd 3;
//    a case that cannot be split runs whole and reports only its own result;
//  - judge() (judge.js.in): reads those records back into fresh values and evaluates each
//    assertion with them, one JSON line per case on stdout, prefixed by the job's nonce.
// Values: the JSON values plus undefined, NaN, ±Infinity, -0, BigInt, Map, Set, Date (Invalid
// Date too), RegExp, typed arrays and errors, nested; arrays keep their holes and their own
// properties that are not indices; other objects travel as their own enumerable properties and
// their prototype's kind (none, Object's, or a class's name).
'use strict'

const fs = require('fs')
const util = require('util')

// An assertion that failed, with what the judge saw of its sides.
class Failed extends Error {
  constructor (lhs, rhs) {
    super('assertion failed')
    this.lhs = lhs
    this.rhs = rhs
  }
}

// A value the judge cannot have: the candidate raised, stopped, or sent something unreadable.
class Missing extends Error {}

function encode (value, seen = new Set()) {
  switch (typeof value) {
    case 'undefined': return ['u']
    case 'boolean': return ['b', value]
    case 'string': return ['s', value]
    case 'bigint': return ['i', value.toString()]
    case 'symbol': return ['y', value.description === undefined ? null : value.description]
    case 'function': return ['f', String(value.name)]
    case 'number':
      if (Number.isNaN(value)) return ['n', 'NaN']
      if (value === Infinity) return ['n', 'Infinity']
      if (value === -Infinity) return ['n', '-Infinity']
      if (Object.is(value, -0)) return ['n', '-0']
      return ['n', value]
  }
  if (value === null) return ['z']
  if (seen.has(value)) throw new TypeError('the value refers to itself')
  seen.add(value)
  try {
    if (Array.isArray(value)) {
      // Holes stay holes, and own properties that are not indices travel with the items.
      const items = []
      for (let i = 0; i < value.length; i++) items.push(i in value ? encode(value[i], seen) : ['h'])
      const extra = Object.keys(value).filter(k => !(String(k >>> 0) === k && (k >>> 0) < 4294967295))
      return extra.length === 0 ? ['a', items] : ['a', items, extra.map(k => [k, encode(value[k], seen)])]
    }
    if (value instanceof Map) return ['m', [...value].map(([k, v]) => [encode(k, seen), encode(v, seen)])]
    if (value instanceof Set) return ['S', [...value].map(v => encode(v, seen))]
    if (value instanceof Date) return ['d', Number.isNaN(value.getTime()) ? 'NaN' : value.getTime()]
    if (value instanceof RegExp) return ['r', value.source, value.flags]
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      return ['t', value.constructor.name, Array.from(value, v => encode(v, seen))]
    }
    if (value instanceof Error) return ['e', String(value.name), String(value.message)]
    const entries = Object.keys(value).map(k => [k, encode(value[k], seen)])
    const proto = Object.getPrototypeOf(value)
    if (proto === Object.prototype) return ['o', entries]
    // An object with no prototype, or an instance of a class: the judge gives it a prototype
    // of its own (one per class name), so that it equals a plain object only where node's
    // loose comparisons would let it.
    if (proto === null) return ['o', entries, 0]
    let name = ''
    try { name = String(proto.constructor.name) } catch (e) {}
    return ['o', entries, name]
  } finally {
    seen.delete(value)
  }
}

const kTypedArrays = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array
}

// The prototype the judge gives the instances of the candidate's class `name`: one per name,
// so that two of them compare as instances of one class.
const foreignPrototypes = new Map()
function foreignPrototype (name) {
  if (!foreignPrototypes.has(name)) foreignPrototypes.set(name, ({ [name]: class {} })[name].prototype)
  return foreignPrototypes.get(name)
}

function decode (item) {
  if (!Array.isArray(item)) throw new Missing('a malformed value')
  const [tag, a, b] = item
  switch (tag) {
    case 'u': return undefined
    case 'z': return null
    case 'b': return a === true
    case 's': return String(a)
    case 'i': return BigInt(a)
    case 'y': return Symbol(a === null ? undefined : a)
    case 'f': return Object.defineProperty(function () {
      throw new TypeError('a function the candidate returned cannot be called by the judge')
    }, 'name', { value: String(a) })
    case 'n':
      if (a === 'NaN') return NaN
      if (a === 'Infinity') return Infinity
      if (a === '-Infinity') return -Infinity
      if (a === '-0') return -0
      return Number(a)
    case 'a': {
      const array = new Array(a.length)
      a.forEach((item, i) => { if (!(Array.isArray(item) && item[0] === 'h')) array[i] = decode(item) })
      for (const [k, v] of b || []) {
        Object.defineProperty(array, String(k), { value: decode(v), enumerable: true, writable: true, configurable: true })
      }
      return array
    }
    case 'm': return new Map(a.map(([k, v]) => [decode(k), decode(v)]))
    case 'S': return new Set(a.map(decode))
    case 'd': return new Date(a === 'NaN' ? NaN : Number(a))
    case 'r': return new RegExp(String(a), String(b))
    case 't': {
      const Typed = Object.prototype.hasOwnProperty.call(kTypedArrays, a) ? kTypedArrays[a] : Array
      return Typed.from(b.map(decode))
    }
    case 'e': {
      const error = new Error(String(b))
      Object.defineProperty(error, 'name', { value: String(a), enumerable: false, writable: true, configurable: true })
      return error
    }
    case 'o': {
      const object = b === 0 ? Object.create(null) : typeof b === 'string' ? Object.create(foreignPrototype(b)) : {}
      // defineProperty: a key "__proto__" is an own property, never the prototype.
      for (const [k, v] of a) {
        Object.defineProperty(object, String(k), { value: decode(v), enumerable: true, writable: true, configurable: true })
      }
      return object
    }
  }
  throw new Missing('a malformed value')
}

// At most 1000 characters: a candidate's huge value must not flood the judge's output (whose
// limit would then fail the judge, not the candidate).
function clipped (text) {
  if (text.length <= 1000) return text
  // Never half a surrogate pair: a lone one is not UTF-8 once the line is written.
  const end = /[\ud800-\udbff]/.test(text[999]) ? 999 : 1000
  return text.slice(0, end) + ' ...'
}

function show (value) {
  try {
    return clipped(util.inspect(value, { depth: 8, breakLength: Infinity, maxArrayLength: 200, maxStringLength: 1000 }))
  } catch (e) {
    return '(a value the harness cannot show)'
  }
}

function describe (error) {
  try {
    if (error instanceof Error) return clipped(`${error.name}: ${error.message}`)
    return `a thrown ${typeof error}: ${show(error)}`
  } catch (e) {
    return 'an exception that cannot be described'
  }
}

function write (fd, text) {
  const data = Buffer.from(text)
  let done = 0
  while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done)
}

// A payload never holds a line break (written `\n`, and `\` as `\\`): every line break of the
// stream ends a header or a payload, so a header the program forges cannot claim the bytes of a
// record of the harness's without the supervisor seeing it.
function recordEscaped (text) {
  return text.replace(/[\\\n]/g, (c) => c === '\n' ? '\\n' : '\\\\')
}

function recordUnescaped (text) {
  return text.replace(/\\([\s\S])/g, (m, c) => c === 'n' ? '\n' : c)
}

function record (kind, number, payload) {
  const data = Buffer.from(recordEscaped(payload))
  write(3, `${kind} ${number} ${data.length}\n`)
  write(3, data)
  write(3, '\n')
}

// Tests may call node's `assert` without requiring it; a program's or a set-up's own `assert`
// (module scope) shadows this one.
function provideAssert () {
  if (!('assert' in globalThis)) globalThis.assert = require('node:assert')
}

function runner () {
  const failing = () => { throw new Failed() }
  provideAssert()
  return {
    emit (id, value) {
      record('V', id, JSON.stringify(encode(value)))
      return value
    },
    runCase (number, body) {
      try {
        body()
      } catch (error) {
        try { record('X', number, describe(error)) } catch (e) {}
      }
    },
    // A case run whole: its assertions throw, and it reports its own result.
    wholeCase (number, body) {
      const saved = console.assert
      console.assert = (condition) => { if (!condition) failing() }
      let outcome = 'passed'
      try {
        body()
      } catch (error) {
        outcome = error instanceof Failed || (error && error.code === 'ERR_ASSERTION')
          ? 'failed'
          : 'error ' + describe(error)
      } finally {
        console.assert = saved
      }
      record('W', number, outcome)
    }
  }
}

function readRecords (text) {
  const records = new Map()
  const data = Buffer.from(text, 'latin1')
  let at = 0
  while (at < data.length) {
    const eol = data.indexOf(10, at)
    if (eol < 0) break
    const head = /^(\w) (-?\d+) (\d+)$/.exec(data.toString('latin1', at, eol))
    if (!head) break
    const size = Number(head[3])
    if (eol + 1 + size > data.length) break
    records.set(`${head[1]} ${head[2]}`, recordUnescaped(data.toString('utf8', eol + 1, eol + 1 + size)))
    at = eol + 1 + size + 1
  }
  return records
}

function judge () {
  provideAssert()
  const read = (path) => { try { return fs.readFileSync(path, 'latin1') } catch (e) { return '' } }
  // The fork server (zygote.js) hands the inputs over in memory and takes the lines on fd 4;
  // the cold path has them as files in /work and prints the lines.
  const inputs = globalThis.__assayInputs
  const nonce = inputs ? inputs.nonce : read('/work/nonce')
  const records = readRecords(inputs ? inputs.values : read('/work/values'))
  const out = inputs ? inputs.out : 1
  // The tests' code runs next, in this process: the nonce stays in this closure only, so a test
  // cannot write a line for another case (SECURITY.md "The judge model as two programs").
  delete globalThis.__assayInputs
  if (!inputs) { try { fs.unlinkSync('/work/nonce') } catch (e) {} }
  let current = null
  // Assertions nested in the tests' own helpers throw too.
  console.assert = (condition) => { if (!condition) throw new Failed() }
  return {
    take (id) {
      const number = current === null ? -1 : current.number
      const text = records.get(`V ${id}`)
      if (text === undefined) {
        const raised = records.get(`X ${number}`)
        throw new Missing(raised !== undefined
          ? `the candidate raised ${raised}`
          : "the candidate's program stopped before this case")
      }
      let value
      // The errors a value holds get no stack here: a candidate's array of two million of them
      // costs it nothing to send and would cost the judge a stack each.
      const limit = Error.stackTraceLimit
      try {
        Error.stackTraceLimit = 0
        value = decode(JSON.parse(text))
      } catch (e) {
        throw new Missing("the candidate's value could not be read back")
      } finally {
        Error.stackTraceLimit = limit
      }
      if (current !== null) current.values[String(id)] = show(value)
      return value
    },
    check (condition) {
      if (!condition) throw new Failed()
    },
    compare (lhs, rhs, op) {
      if (!op(lhs, rhs)) throw new Failed(show(lhs), show(rhs))
    },
    judgeCase (number, body) {
      current = { number, values: {} }
      const result = { case: number, verdict: 'passed', values: current.values }
      try {
        body()
      } catch (error) {
        if (error instanceof Failed) {
          result.verdict = 'failed'
          if (error.lhs !== undefined) {
            result.lhs = error.lhs
            result.rhs = error.rhs
          }
        } else if (error instanceof Missing) {
          result.verdict = 'error'
          result.message = error.message
        } else if (error && error.code === 'ERR_ASSERTION') {
          result.verdict = 'failed'
          result.message = String(error.message)
        } else {
          result.verdict = 'error'
          result.message = 'the test raised ' + describe(error)
        }
      }
      current = null
      write(out, `${nonce} ${JSON.stringify(result)}\n`)
    }
  }
}

module.exports = { runner, judge }
