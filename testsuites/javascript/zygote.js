// The JavaScript fork server (languages/javascript.toml `zygote`): a warm node, PID 1 of
// its own jail, that forks one fresh child per job (zygote_native.c, node_fork.cc). The child
// runs the job's program as `node /work/main.js` would, then exits; the zygote never runs or
// reads a job's code, so nothing a program does to globals, prototypes, the module cache or
// `process` reaches the next job: every child starts from this clean process. Fd 3 is the
// control channel; the supervisor side is sandbox/fork_server.cpp.
'use strict'

const fs = require('fs')
const Module = require('module')

const SCRATCH = ['/work', '/tmp', '/dev/shm']
const KEEP_BYTES = 8192 // of each captured stream of a child

// Only PID 1 of a fresh PID namespace whose scratch dirs are private tmpfs mounts: after every
// job the zygote kills all other processes and checks those directories.
function checkInsideJail () {
  if (process.pid !== 1) throw new Error('zygote.js: not PID 1 of a fresh PID namespace; refusing to run')
  const tmpfs = new Set()
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [before, after] = line.split(' - ')
    if (after !== undefined && after.split(' ')[0] === 'tmpfs') tmpfs.add(before.split(' ')[4])
  }
  const missing = SCRATCH.filter(path => !tmpfs.has(path))
  if (missing.length) throw new Error(`zygote.js: ${missing.join(', ')} not a private tmpfs; refusing to run`)
}

// In the child: the job's program as node's main module, /work/main.js.
function runProgram (native, job) {
  const file = '/work/main.js'
  // What `node /work/main.js` has: no flags of the server's own.
  process.argv[1] = file
  process.execArgv.length = 0
  if (job.judge) {
    // The judge's inputs: the job's nonce on the first line, then the runner's records.
    const inputs = fs.readFileSync(3, 'latin1')
    fs.closeSync(3) // read again from 0, it would give the nonce to the tests' code
    const eol = inputs.indexOf('\n')
    globalThis.__assayInputs = { nonce: inputs.slice(0, eol), values: inputs.slice(eol + 1), out: 4 }
    Object.defineProperty(globalThis, '__assayInputs', { enumerable: false })
  }
  // A natural end exits through node_fork.cc's cleanup hook, with the code node would exit
  // with: the 'exit' event's, or process.exitCode as the listeners left it.
  const emit = process.emit
  process.emit = function (event, ...args) {
    const result = Reflect.apply(emit, this, [event, ...args])
    if (event === 'exit') {
      const code = process.exitCode === undefined ? args[0] : process.exitCode
      native.exitCode(Number(code) | 0)
    }
    return result
  }
  const main = new Module(file, null)
  main.filename = file
  main.id = '.'
  main.paths = Module._nodeModulePaths('/work')
  process.mainModule = main
  Module._cache[file] = main
  main._compile(job.code, file)
  main.loaded = true
}

function start () {
  checkInsideJail()
  // The supervisor's LD_BIND_NOW has done its work (every symbol bound before the first fork);
  // a program sees the descriptor's environment, as on the cold path.
  delete process.env.LD_BIND_NOW
  const native = require('/assay-native/zygote_native.node')
  // Loaded once here so that no child pays for them; each child gets a copy. net, tty and
  // stream are what process.stdout and process.stderr load when a child first writes to them
  // (the streams themselves are made in the child, for its own descriptors).
  require('/assay/runtime.js')
  for (const name of ['assert', 'util', 'net', 'tty', 'stream']) require(name)
  const greeting = Buffer.from(JSON.stringify({ ready: true }))
  const frame = Buffer.alloc(4 + greeting.length)
  frame.writeUInt32BE(greeting.length, 0)
  greeting.copy(frame, 4)
  fs.writeSync(3, frame)
  const job = native.serve(3, SCRATCH, KEEP_BYTES)
  if (job) runProgram(native, job)
}

start()
