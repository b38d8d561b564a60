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

// postgresCPU is the CPU time used so far by each process named
// postgres (the server, its backends and its background workers), by pid.
func postgresCPU() map[int]time.Duration {
	out := map[int]time.Duration{}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return out
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile("/proc/" + e.Name() + "/comm")
		if err != nil || strings.TrimSpace(string(comm)) != "postgres" {
			continue
		}
		out[pid] = processCPU(pid)
	}
	return out
}

// postgresSince is the CPU PostgreSQL's processes used since before was
// read: each process's growth, a process started since counted whole. A
// backend that ended in between takes its time with it (the benchmark's
// pools keep their connections open), so this can only undercount.
func postgresSince(before map[int]time.Duration) time.Duration {
	var total time.Duration
	for pid, t := range postgresCPU() {
		if t0, ok := before[pid]; ok && t >= t0 {
			total += t - t0
		} else if !ok {
			total += t
		}
	}
	return total
}
