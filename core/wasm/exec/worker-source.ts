/**
 * The body of the executor's Worker, kept as plain JavaScript in a string and started with
 * `new Worker(WORKER_SOURCE, { eval: true })`. Why a string: the same code then runs from dist/
 * (compiled) and from the TypeScript sources under vitest, with no loader and no file that the
 * build could forget to copy. It is deliberately dumb: it compiles, instantiates, calls through the
 * shim modules built by the main thread (shim.ts), serves the icn.* host imports and records them.
 * Every decision (trap names, hashes, fuel arithmetic) is made in the main thread.
 *
 * Protocol: the main thread posts `{ id, op, ... }`; the worker answers `{ id, ok: true, ... }` or
 * `{ id, ok: false, error: { phase, name, message } }`. Requests made in one turn of the main
 * thread come as `{ op: 'batch', msgs }` and are answered in order as `{ batch: [replies] }`.
 * Phases: compile, link, start, invoke, host, range (a native RangeError: the run is poisoned),
 * internal.
 */
export const WORKER_SOURCE = String.raw`
'use strict';
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');

const instances = new Map();   // id -> { instance, exports, slot, stack0 }
const registry = new Map();    // import module name -> exports object (spectest, registered modules)
const shimModules = new Map(); // shim key -> WebAssembly.Module
const shimInstances = new Map(); // inst + '\0' + export -> shim call function
const externs = new Map();     // externref id -> host object
const externIds = new WeakMap();
let nextInst = 1;

class HostTrap extends Error {}

const LOG_MAX_CALLS = 4096;
const LOG_MAX_BYTES = 1 << 20;

function hex32(x) { return 'i32:0x' + (x >>> 0).toString(16).padStart(8, '0'); }
function toHex(b) { let s = ''; for (const x of b) s += x.toString(16).padStart(2, '0'); return s; }

function externFor(id) {
  let o = externs.get(id);
  if (o === undefined) { o = { externref: id }; externs.set(id, o); externIds.set(o, id); }
  return o;
}

function toJs(x) {
  if (x !== null && typeof x === 'object' && typeof x.ext === 'string') return externFor(x.ext);
  return x;
}

function fromJs(x) {
  if (x === null || typeof x === 'number' || typeof x === 'bigint') return x;
  if (typeof x === 'function') return 'func';
  if (typeof x === 'object' && externIds.has(x)) return { ext: externIds.get(x) };
  if (typeof x === 'object') return { ext: 'foreign' };
  return String(x);
}

// icn.* host imports. slot.exports is filled once instantiation returns; slot.env per invoke.
function icnImports(slot) {
  const memory = () => {
    // instrumented modules export memory 0 as __icn_memory; raw modules: the first exported memory
    const x = slot.exports || {};
    const m = x.__icn_memory || Object.values(x).find((v) => v instanceof WebAssembly.Memory);
    if (!(m instanceof WebAssembly.Memory)) throw new HostTrap('no __icn_memory available');
    return m;
  };
  const record = (c) => {
    if (slot.calls.length >= LOG_MAX_CALLS) throw new HostTrap('too many host calls');
    slot.calls.push(c);
  };
  return {
    log(ptr, len) {
      const p = ptr >>> 0, n = len >>> 0;
      const buf = memory().buffer;
      if (p + n > buf.byteLength) throw new HostTrap('icn.log out of bounds');
      slot.logBytes += n;
      if (slot.logBytes > LOG_MAX_BYTES) throw new HostTrap('icn.log over its byte budget');
      record({ name: 'icn.log', args: [hex32(ptr), hex32(len)], result: null, data: toHex(new Uint8Array(buf, p, n)) });
    },
    timestamp() {
      const t = slot.env.createdAt;
      record({ name: 'icn.timestamp', args: [], result: 'i64:0x' + BigInt.asUintN(64, t).toString(16).padStart(16, '0') });
      return t;
    },
    entropy_seed(ptr) {
      const p = ptr >>> 0;
      const buf = memory().buffer;
      if (p + 32 > buf.byteLength) throw new HostTrap('icn.entropy_seed out of bounds');
      new Uint8Array(buf, p, 32).set(slot.env.entropy);
      record({ name: 'icn.entropy_seed', args: [hex32(ptr)], result: null, data: toHex(slot.env.entropy) });
    },
  };
}

function classify(e, phaseIfRuntime) {
  if (e instanceof HostTrap) return { phase: 'host', name: 'HostTrap', message: e.message };
  if (e instanceof WebAssembly.RuntimeError) return { phase: phaseIfRuntime, name: 'RuntimeError', message: e.message };
  if (e instanceof WebAssembly.LinkError) return { phase: 'link', name: 'LinkError', message: e.message };
  if (e instanceof WebAssembly.CompileError) return { phase: 'compile', name: 'CompileError', message: e.message };
  if (e instanceof RangeError) return { phase: 'range', name: 'RangeError', message: e.message };
  return { phase: 'internal', name: (e && e.name) || 'Error', message: String((e && e.message) || e) };
}

function resetMeters(rec, fuel) {
  const x = rec.exports;
  if (x.__icn_fuel instanceof WebAssembly.Global) {
    x.__icn_fuel.value = fuel;
    x.__icn_trap.value = 0;
    if (x.__icn_stack instanceof WebAssembly.Global) x.__icn_stack.value = rec.stack0;
    if (x.__icn_limit instanceof WebAssembly.Global) x.__icn_limit.value = 0;
  }
}

function readMeters(rec) {
  const x = rec.exports;
  if (!(x.__icn_fuel instanceof WebAssembly.Global)) return {};
  const m = { fuelLeft: x.__icn_fuel.value, icnTrap: x.__icn_trap.value };
  if (x.__icn_limit instanceof WebAssembly.Global) m.icnLimit = x.__icn_limit.value;
  return m;
}

function memoryOf(rec) {
  const x = rec.exports;
  let m = x.__icn_memory;
  if (!(m instanceof WebAssembly.Memory)) m = Object.values(x).find((v) => v instanceof WebAssembly.Memory);
  return m instanceof WebAssembly.Memory ? m : null;
}

function memoryCopy(rec) {
  const m = memoryOf(rec);
  return m ? new Uint8Array(m.buffer.slice(0)) : null;
}

// core/hash bytesHash(domain, memory) without copying the memory: SHA-256 of tag, 0x00, bytes (hex)
function memoryHash(rec, domain) {
  const m = memoryOf(rec);
  const h = createHash('sha256').update(domain, 'utf8').update(new Uint8Array([0]));
  if (m) h.update(new Uint8Array(m.buffer));
  return h.digest('hex');
}

const ops = {
  // Forget every instance, registration and externref: the worker is then as a new one (compiled
  // shim modules stay; they depend only on a signature). Lets a runner reuse one worker per process.
  reset() {
    instances.clear();
    registry.clear();
    shimInstances.clear();
    externs.clear();
    nextInst = 1;
    return {};
  },
  initSpectest(msg) {
    const inst = new WebAssembly.Instance(new WebAssembly.Module(msg.bytes), {});
    registry.set('spectest', inst.exports);
    return {};
  },
  instantiate(msg) {
    let module;
    try { module = new WebAssembly.Module(msg.bytes); }
    catch (e) { return { error: classify(e, 'compile') }; }
    if (msg.definitionOnly) return { hostCalls: [] };
    const slot = { exports: null, env: msg.env || null, calls: [], logBytes: 0 };
    let imports;
    if (msg.imports === 'icn') imports = { icn: icnImports(slot) };
    else if (msg.imports === 'registry') imports = Object.fromEntries(registry);
    else imports = {};
    let instance;
    try { instance = new WebAssembly.Instance(module, imports); }
    catch (e) {
      // a missing import module is a TypeError in the JS API: for us it is a link failure
      const err = e instanceof TypeError ? { phase: 'link', name: 'TypeError', message: e.message } : classify(e, 'start');
      return { error: err, hostCalls: slot.calls };
    }
    slot.exports = instance.exports;
    // the caller may name the instance (a .wast engine that sends calls before the answer)
    const id = msg.as !== undefined ? msg.as : nextInst++;
    const stack0 = instance.exports.__icn_stack instanceof WebAssembly.Global ? instance.exports.__icn_stack.value : 0;
    instances.set(id, { instance, exports: instance.exports, slot, stack0 });
    const exports = WebAssembly.Module.exports(module).map((e) => ({ name: e.name, kind: e.kind }));
    return { inst: id, exports, hostCalls: slot.calls };
  },
  release(msg) {
    instances.delete(msg.inst);
    for (const k of shimInstances.keys()) if (k.startsWith(msg.inst + '\0')) shimInstances.delete(k);
    return {};
  },
  register(msg) {
    const rec = instances.get(msg.inst);
    if (!rec) throw new Error('no instance ' + msg.inst);
    registry.set(msg.name, rec.exports);
    return {};
  },
  invoke(msg) {
    // the main thread sends a shim's bytes once per worker: compile them before anything can fail
    if (msg.shim && !shimModules.has(msg.shimKey)) shimModules.set(msg.shimKey, new WebAssembly.Module(msg.shim));
    const rec = instances.get(msg.inst);
    if (!rec) throw new Error('no instance ' + msg.inst);
    const key = msg.inst + '\0' + msg.name;
    let call = shimInstances.get(key);
    if (call === undefined) {
      const fn = rec.exports[msg.name];
      if (typeof fn !== 'function') throw new Error('no exported function ' + JSON.stringify(msg.name));
      let mod = shimModules.get(msg.shimKey);
      if (mod === undefined) throw new Error('shim ' + msg.shimKey + ' was never sent');
      call = new WebAssembly.Instance(mod, { t: { f: fn } }).exports.call;
      shimInstances.set(key, call);
    }
    rec.slot.env = msg.env || rec.slot.env;
    rec.slot.calls = [];
    rec.slot.logBytes = 0;
    if (msg.fuel !== undefined) resetMeters(rec, msg.fuel);
    const args = msg.args.map(toJs);
    let out, error;
    try {
      const r = call(...args);
      out = r === undefined ? [] : Array.isArray(r) ? r.map(fromJs) : [fromJs(r)];
    } catch (e) {
      error = classify(e, 'invoke');
    }
    const res = { ...readMeters(rec), hostCalls: rec.slot.calls };
    if (msg.captureMemory) res.memory = memoryCopy(rec);
    if (typeof msg.hashMemory === 'string') res.memoryHash = memoryHash(rec, msg.hashMemory);
    if (error) res.error = error; else res.values = out;
    return res;
  },
  get(msg) {
    const rec = instances.get(msg.inst);
    if (!rec) throw new Error('no instance ' + msg.inst);
    const g = rec.exports[msg.name];
    if (!(g instanceof WebAssembly.Global)) throw new Error('no exported global ' + JSON.stringify(msg.name));
    const v = g.value;
    if (msg.type === 'f32') { const f = new Float32Array([v]); return { value: new Int32Array(f.buffer)[0] }; }
    if (msg.type === 'f64') { const f = new Float64Array([v]); return { value: new BigInt64Array(f.buffer)[0] }; }
    return { value: fromJs(v) };
  },
};

function answer(msg) {
  try {
    const r = ops[msg.op](msg);
    return r.error && msg.op !== 'invoke' ? { id: msg.id, ok: false, ...r } : { id: msg.id, ok: true, ...r };
  } catch (e) {
    return { id: msg.id, ok: false, error: classify(e, 'internal') };
  }
}

// a batch (the requests the main thread made in one turn) is answered in order, as one message
parentPort.on('message', (msg) => {
  const replies = msg.op === 'batch' ? msg.msgs.map(answer) : [answer(msg)];
  const transfer = replies.filter((r) => r.memory).map((r) => r.memory.buffer);
  parentPort.postMessage(msg.op === 'batch' ? { batch: replies } : replies[0], transfer);
});
`;
