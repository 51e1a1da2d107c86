#include "shim.h"

pvm_result_t pvm_go_resume_host(pvm_vm_t* vm, int answer, int* func_id) {
    pvm_result_t result = pvm_resume_host(vm, answer);
    *func_id = pvm_get_host_func_id(vm);
    return result;
}
