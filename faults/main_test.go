package faults

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/lib/pq"
)

// What the tests share: the binary under test, and two private clusters:
// one that TestPostgresRestartUnderLoad stops and starts, one for the
// other tests (each on a database of its own, cloned from a template that
// is migrated and seeded with the demo data once).
var (
	binary  string
	workDir string
	shared  *cluster
	restart *cluster
)

const templateDB = "praksis_template"

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	fail := func(format string, args ...any) int {
		fmt.Fprintf(os.Stderr, "FAIL faults: "+format+"\n", args...)
		return 1
	}
	dir, err := os.MkdirTemp("", "praksis-faults-")
	if err != nil {
		return fail("%v", err)
	}
	defer os.RemoveAll(dir)
	// The clusters run as the postgres user when the tests run as root.
	if err := os.Chmod(dir, 0o755); err != nil {
		return fail("%v", err)
	}
	workDir = dir
	binary = filepath.Join(dir, "praksis")
	build := exec.Command("go", "build", "-o", binary, "praksis/cmd/praksis")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fail("go build: %v", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, c := range []**cluster{&shared, &restart} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			*c, errs[i] = startCluster(filepath.Join(dir, fmt.Sprintf("pg%d", i)))
			if errs[i] == nil {
				errs[i] = (*c).prepareTemplate()
			}
		}()
	}
	wg.Wait()
	defer func() {
		for _, c := range []*cluster{shared, restart} {
			if c != nil {
				_ = c.stop("immediate")
			}
		}
	}()
	if err := errors.Join(errs...); err != nil {
		return fail("%v", err)
	}
	return m.Run()
}

// cluster is a private PostgreSQL server: its own data directory, port
// and socket directory, fsync off (the tests crash the server process,
// never the machine).
type cluster struct {
	bin, data string
	port      int
}

// pgBin finds the PostgreSQL server binaries as scripts/dev-postgres does.
func pgBin() (string, error) {
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if d := strings.TrimSpace(string(out)); fileExists(filepath.Join(d, "initdb")) {
			return d, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if fileExists(filepath.Join(d, "initdb")) {
			return d, nil
		}
	}
	return "", errors.New("no PostgreSQL server binaries (initdb) found: apt-get install postgresql")
}

func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// asPostgres runs a PostgreSQL command as the postgres user when we are
// root (initdb and the server refuse to run as root).
func asPostgres(name string, args ...string) *exec.Cmd {
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	}
	return exec.Command(name, args...)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func startCluster(dir string) (*cluster, error) {
	bin, err := pgBin()
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	c := &cluster{bin: bin, data: filepath.Join(dir, "data"), port: port}
	if err := os.MkdirAll(c.data, 0o700); err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chown", "-R", "postgres:", dir).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("chown %s: %v %s", dir, err, out)
		}
	}
	initdb := asPostgres(filepath.Join(bin, "initdb"), "-D", c.data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8")
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	return c, c.start()
}

func (c *cluster) pgctl(args ...string) error {
	cmd := asPostgres(filepath.Join(c.bin, "pg_ctl"), append([]string{"-D", c.data}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pg_ctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// start starts the server on its port and waits until it accepts work.
func (c *cluster) start() error {
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -c unix_socket_directories='%s' -c fsync=off "+
		"-c max_connections=60 -c shared_buffers=32MB", c.port, c.data)
	return c.pgctl("-l", filepath.Join(c.data, "server.log"), "-w", "-t", "60", "-o", opts, "start")
}

// stop stops the server: "fast" rolls back open transactions and ends the
// sessions; "immediate" is a crash (recovery runs at the next start).
func (c *cluster) stop(mode string) error { return c.pgctl("-m", mode, "-w", "stop") }

func (c *cluster) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

// prepareTemplate migrates a database and seeds the demo data with the
// binary under test; each test clones it.
func (c *cluster) prepareTemplate() error {
	env := baseEnv(map[string]string{"DATABASE_URL": c.url(templateDB)})
	for _, args := range [][]string{{"migrate"}, {"seed", "--demo"}} {
		cmd := exec.Command(binary, args...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("praksis %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return nil
}

var dbSeq atomic.Int64

// newDatabase clones the template into a database of the test's own and
// returns its URL and an open connection for the test's checks.
func (c *cluster) newDatabase(t *testing.T) (string, *sql.DB) {
	t.Helper()
	admin, err := sql.Open("postgres", c.url("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("faults_%d", dbSeq.Add(1))
	// FILE_COPY, not PostgreSQL 15's default WAL_LOG: a WAL_LOG copy keeps
	// the template's sequences' pre-logged values (log_cnt) on pages newer
	// than the last checkpoint, so the clone hands those ids out without
	// writing WAL, and after a crash (TestPostgresRestartUnderLoad) hands
	// them out again: duplicate keys. FILE_COPY checkpoints, so the first
	// nextval in the clone is logged. Production databases are not clones.
	if _, err := admin.Exec(`CREATE DATABASE ` + name + ` TEMPLATE ` + templateDB + ` STRATEGY FILE_COPY`); err != nil {
		t.Fatal(err)
	}
	conn, err := sql.Open("postgres", c.url(name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return c.url(name), conn
}

// baseEnv is the environment of a praksis process: nothing inherited from
// the test's own (make exports DATABASE_URL), only what it is given.
func baseEnv(kv map[string]string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(), "TZ=Europe/Oslo"}
	for k, v := range kv {
		env = append(env, k+"="+v)
	}
	return env
}

// waitUntil polls cond every 50 ms until it holds or timeout passes.
func waitUntil(timeout time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(timeout); ; time.Sleep(50 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// queryInt runs a counting query on the test's connection.
func queryInt(t *testing.T, conn *sql.DB, q string, args ...any) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var n int
	if err := conn.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
