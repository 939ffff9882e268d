module github.com/ordinal-dev/ordinal/test/bench

go 1.26.8

replace github.com/ordinal-dev/ordinal => ../..
