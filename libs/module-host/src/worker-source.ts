/**
 * The code of the worker thread that runs one module bundle. It is kept as source text and started
 * with `eval: true`, so the host works the same from compiled output, from tests and from the agent
 * without locating a separate file. Plain JavaScript (it runs as-is inside the worker).
 */
export const WORKER_SOURCE = String.raw`
'use strict';
const { builtinModules } = require('node:module');
const { runInThisContext } = require('node:vm');
const { parentPort, workerData } = require('node:worker_threads');

const allowed = new Set(builtinModules.flatMap((name) => [name, 'node:' + name]));
const nodeRequire = require;

// Bundles are self-contained: only Node's built-in modules can be required.
function restrictedRequire(name) {
  if (!allowed.has(name)) throw new Error("module bundles may only require Node built-ins, not '" + name + "'");
  return nodeRequire(name);
}

let exported;
let loadError;
try {
  const wrapper = runInThisContext('(function (module, exports, require) {\n' + workerData.code + '\n})', {
    filename: workerData.filename,
    lineOffset: -1,
  });
  const module = { exports: {} };
  wrapper(module, module.exports, restrictedRequire);
  if (typeof module.exports !== 'object' || module.exports === null) throw new Error('the bundle must export an object');
  exported = module.exports;
} catch (error) {
  loadError = error && error.message ? error.message : String(error);
}

async function call(request) {
  if (exported === undefined) throw new Error('the bundle failed to load: ' + loadError);
  const fn = exported[request.op];
  if (typeof fn !== 'function') {
    if (request.op === 'init' || request.op === 'dispose') return undefined;
    throw new Error('the bundle does not export ' + request.op + '()');
  }
  return request.op === 'health' || request.op === 'dispose' ? fn.call(exported) : fn.call(exported, request.arg);
}

parentPort.on('message', (request) => {
  call(request).then(
    (result) => parentPort.postMessage({ id: request.id, ok: true, result }),
    (error) => parentPort.postMessage({ id: request.id, ok: false, error: error && error.message ? error.message : String(error) }),
  );
});
`;
