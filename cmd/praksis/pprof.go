//go:build pprof

// Profiling for benchmarks only: `go build -tags pprof -o bin/praksis-pprof
// ./cmd/praksis` serves net/http/pprof on PPROF_ADDR (default
// 127.0.0.1:6060), beside the app. Release builds have no such listener
// (docs/benchmarks.md says how to use it).
package main

import (
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	addr := os.Getenv("PPROF_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6060"
	}
	go func() { _ = http.ListenAndServe(addr, nil) }()
}
