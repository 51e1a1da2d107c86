'use strict';
// The host-call loop behind `Vm.run`: run the native VM; on a host call with a
// registered function, call it synchronously and continue after the `ecalli`; return
// the first exit nobody handles. One native call and one JavaScript call per host call.

const { PvmError } = require('./errors.js');
const { fast } = require('./native.js');
const { isHostCall } = require('./exit.js');

/**
 * The mutable run state a VM shares with this loop.
 * @typedef {{ code: number, running: boolean }} RunState
 */

/**
 * Runs the VM until an exit that no function in `hosts` handles; returns its code.
 * @param {import('../index').Vm} vm the public VM handed to host functions
 * @param {object} handle the VM's fast-path handle
 * @param {Map<number, import('../index').HostFunction>} hosts
 * @param {RunState} state
 * @returns {number}
 */
function runLoop(vm, handle, hosts, state) {
  if (state.running) {
    throw new PvmError('run() cannot be called from inside a host function of the same VM');
  }
  state.running = true;
  try {
    for (;;) {
      const code = fast.run(handle);
      state.code = code;
      if (!isHostCall(code)) return code;
      const host = hosts.get(code);
      if (host === undefined) return code;
      const result = host(vm, code);
      if (result === undefined) continue;
      if (result === 'stop') return code;
      throw new TypeError(
        `the host function for id ${code} returned ${String(result)}; it must return undefined or "stop"`,
      );
    }
  } finally {
    state.running = false;
  }
}

module.exports = { runLoop };
