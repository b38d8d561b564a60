package main

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// cpuNote says what the CPU columns count.
const cpuNote = "user + system time from /proc, in 10 ms clock ticks, summed over the measurement and divided by its answers"

// clockTick is Linux's USER_HZ: /proc/<pid>/stat counts CPU time in
// hundredths of a second on every architecture Go builds for Linux.
const clockTick = 10 * time.Millisecond

// processCPU is the user and system CPU time a process has used so far,
// 0 when it cannot be read.
func processCPU(pid int) time.Duration {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces: the fields after it
	// start after its closing parenthesis; utime and stime are fields 14
	// and 15, the 12th and 13th after it.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * clockTick
}

// postgresCPU is the CPU time used so far by every process named
// postgres: the server, its backends and its background workers. A
// backend that ended since the last reading takes its time with it, so
// the benchmark's connections must stay open (the pools keep them).
func postgresCPU() time.Duration {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var total time.Duration
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile("/proc/" + e.Name() + "/comm")
		if err != nil || strings.TrimSpace(string(comm)) != "postgres" {
			continue
		}
		total += processCPU(pid)
	}
	return total
}
