'use strict';
// pvm-node: the Node.js binding of the pvm engine — a fast, exact JAM PVM (Gray Paper
// 0.8.0 as PolkaVM 0.37's JamV1 implements it, with a switch for GP 0.7 programs).
// Types: index.d.ts. The native addon (pvm.node) is napi-rs over the engine crate.

const native = require('./lib/native.js');
const { PvmError, ProgramError, MemoryAccessError } = require('./lib/errors.js');
const { Program } = require('./lib/program.js');
const { Vm } = require('./lib/vm.js');
const { Module, ModuleCache, codeHash } = require('./lib/module.js');

/** The address whose dynamic jump halts the machine: 0xFFFF0000. */
const HALT_ADDRESS = native.HALT_ADDRESS;
/** The size of a guest memory page: 4096. */
const PAGE_SIZE = native.PAGE_SIZE;
/** The number of registers: 13. */
const REG_COUNT = native.REG_COUNT;
/** The engines that run on this platform: ["interpreter", "recompiler"] on x86-64 Linux. */
const SUPPORTED_ENGINES = Object.freeze(native.supportedEngines());
/** The engine of VMs made without `engine`: "recompiler" where supported, else "interpreter". */
const DEFAULT_ENGINE = native.defaultEngine();
/** The release version, e.g. "0.1.0" (the addon's, equal to package.json's). */
const version = native.version();

// Shorthand properties only, so that ESM `import { Vm } from 'pvm-node'` sees every name.
module.exports = {
  Vm,
  Program,
  Module,
  ModuleCache,
  codeHash,
  PvmError,
  ProgramError,
  MemoryAccessError,
  HALT_ADDRESS,
  PAGE_SIZE,
  REG_COUNT,
  SUPPORTED_ENGINES,
  DEFAULT_ENGINE,
  version,
};
