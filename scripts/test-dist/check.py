"""scripts/test-dist.sh: a host call and a page fault through the installed wheel."""

import pvm

BLOB = bytes([0, 0, 9, 10, 1, 58, 8, 0, 0, 2, 50, 0, 0x85, 0x00])
VALUE = 0x1122334455667788

vm = pvm.VM.from_blob(BLOB, gas=10_000)
vm.set_reg(0, pvm.HALT_ADDRESS)
calls = []


def host(vm: pvm.VM) -> None:
    calls.append(vm.exit.host_id)
    vm.set_reg(7, 42)


exit = vm.run(host={1: host})
assert calls == [1], calls
assert exit.kind == "page-fault" and exit.address == 0x20000, exit
vm.map(0x20000, 4096)
vm.write_u64(0x20000, VALUE)
exit = vm.run(host={1: host})
assert exit.kind == "halt", exit
assert vm.get_reg(7) == 42 and vm.get_reg(8) == VALUE, vm.regs
print(f"python {pvm.__version__}: host call 1 -> r7 = 42, page fault at 0x20000 "
      f"-> r8 = {vm.get_reg(8):#x}, halt")
