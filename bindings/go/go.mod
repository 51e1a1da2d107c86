module github.com/pvm-toolkit/pvm/bindings/go

go 1.19
