module pinbench/bench/go

go 1.19
