package db

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// rssKB is this process's resident size (Linux).
func rssKB(t *testing.T) int {
	t.Helper()
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// After a burst of password checks the argon2 memory (19 MiB each) goes
// back to the operating system: the process is not left a computation's
// worth larger than before. (Without the release, a server stayed 57 MB
// larger for minutes after three sign-ins.)
func TestPasswordMemoryReleased(t *testing.T) {
	h, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	before := rssKB(t)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, err := CheckPassword(h, "correct horse battery staple"); !ok || err != nil {
				t.Errorf("check: %v %v", ok, err)
			}
		}()
	}
	wg.Wait()
	deadline := time.Now().Add(3 * time.Second)
	for {
		after := rssKB(t)
		if after < before+argonMemory {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("resident %d kB before the burst, %d kB 3 s after it", before, after)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
