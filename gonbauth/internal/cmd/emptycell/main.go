// Command emptycell is the floor of the fresh-process benchmarks in
// gonbauth/bench_test.go: a program that does nothing, built and run the
// same way as ../logincell, so that the difference between the two is
// what importing gonbauth and calling Login add to a cell's process.
package main

func main() {}
