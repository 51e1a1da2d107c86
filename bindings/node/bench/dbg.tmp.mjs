import { readFileSync } from 'node:fs';
import { gp07Call } from './polkavm.mjs';
import { ananAs, pvm } from './engines.mjs';
const [prog, name, arg] = process.argv.slice(2);
const call = gp07Call(new Uint8Array(readFileSync(`/work/main/guests/bin/${prog}.polkavm`)), name, Number(arg));
let t = performance.now(); const o = pvm.prepare(call)(); console.log('pvm', o, performance.now() - t);
t = performance.now();
try { console.log('anan', ananAs.prepare(call)(), performance.now() - t); } catch (e) { console.log(e.message, performance.now() - t) }
