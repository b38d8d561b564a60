package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"praksis/db"
	"praksis/db/dbtest"
)

// Two praksis processes racing for the same slot: exactly one runs it.
func TestRunJobTwoProcessesOneRun(t *testing.T) {
	u, cleanup, err := dbtest.New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	bin := filepath.Join(t.TempDir(), "praksis")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	const at = "2026-11-22T03:40:00+01:00"
	outs := make([]string, 4)
	var wg sync.WaitGroup
	for i := range outs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cmd := exec.Command(bin, "run-job", "retention", "--at", at)
			cmd.Env = append(os.Environ(), "DATABASE_URL="+u, "LOG_LEVEL=error")
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				t.Errorf("process %d: %v\n%s", i, err, out.String())
			}
			outs[i] = out.String()
		}(i)
	}
	wg.Wait()
	ran := 0
	for _, o := range outs {
		switch {
		case strings.Contains(o, ": ok in "):
			ran++
		case strings.Contains(o, "already ran"), strings.Contains(o, "running elsewhere"):
		default:
			t.Fatalf("unexpected output: %q", o)
		}
	}
	st, err := db.Open(u)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var runs int
	if err := st.DB.Get(&runs, `SELECT count(*) FROM job_runs WHERE job = 'retention'`); err != nil {
		t.Fatal(err)
	}
	if ran != 1 || runs != 1 {
		t.Fatalf("%d processes ran the slot, %d rows in job_runs; outputs: %q", ran, runs, outs)
	}
	// The same slot again is a no-op; --force runs it.
	var out bytes.Buffer
	if err := run(context.Background(), []string{"run-job", "retention", "--at", at}, envWith("DATABASE_URL", u), strings.NewReader(""), &out, &out); err != nil || !strings.Contains(out.String(), "already ran") {
		t.Fatalf("rerun: %v %q", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"run-job", "retention", "--at", at, "--force"}, envWith("DATABASE_URL", u), strings.NewReader(""), &out, &out); err != nil || !strings.Contains(out.String(), ": ok in ") {
		t.Fatalf("forced: %v %q", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"run-job", "nosuchjob"}, envWith("DATABASE_URL", u), strings.NewReader(""), &out, &out); err == nil || !strings.Contains(err.Error(), "retention") {
		t.Fatalf("unknown job: %v", err)
	}
	if err := run(context.Background(), []string{"run-job", "retention", "--at", "yesterday"}, envWith("DATABASE_URL", u), strings.NewReader(""), &out, &out); err == nil || !strings.Contains(err.Error(), "RFC 3339") {
		t.Fatalf("bad --at: %v", err)
	}
}

// envWith is a getenv with one variable set and LOG_LEVEL=error.
func envWith(key, value string) func(string) string {
	return func(k string) string {
		switch k {
		case key:
			return value
		case "LOG_LEVEL":
			return "error"
		}
		return ""
	}
}
