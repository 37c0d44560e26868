package pglocal_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"partymap/internal/pglocal"
)

// ownerDirEnv, when set, makes TestStart_afterOwnerKilled play the owner
// process: start a cluster in that directory, report, and wait to be killed.
const ownerDirEnv = "PGLOCAL_TEST_OWNER_DIR"

func TestStart_afterOwnerKilled(t *testing.T) {
	if dir := os.Getenv(ownerDirEnv); dir != "" {
		if err := playOwner(dir); err != nil {
			fmt.Println("error", err)
		}
		return
	}
	dir := dataDir(t)
	owner := exec.Command(os.Args[0], "-test.run=^TestStart_afterOwnerKilled$")
	owner.Env = append(os.Environ(), ownerDirEnv+"="+dir)
	out, err := owner.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := owner.Start(); err != nil {
		t.Fatalf("start owner process: %v", err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ready ") {
		_ = owner.Process.Kill()
		_ = owner.Wait()
		t.Fatalf("owner process said %q (%v), want \"ready <pid>\"", line, err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "ready ")))

	if err := owner.Process.Kill(); err != nil {
		t.Fatalf("kill owner process: %v", err)
	}
	_ = owner.Wait()

	// The server goes with its owner (parent-death signal).
	deadline := time.Now().Add(10 * time.Second)
	for !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("PostgreSQL (pid %d) still runs 10s after its owner was killed", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// A new owner starts on the same data, which is still there.
	c := startCluster(t, dir)
	if got, want := countRows(t, c), 3; got != want {
		t.Errorf("rows after the owner was killed: got %d, want %d", got, want)
	}
}

// playOwner starts a cluster in dir, makes a table, prints "ready <pid>"
// and waits to be killed.
func playOwner(dir string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := pglocal.Start(ctx, pglocal.Options{DataDir: dir})
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, c.ConnString("postgres"))
	if err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "SET synchronous_commit = on; CREATE TABLE kept (id int); INSERT INTO kept VALUES (1), (2), (3)"); err != nil {
		return err
	}
	fmt.Printf("ready %d\n", c.PID())
	time.Sleep(time.Minute)
	return errors.New("owner process was not killed within a minute")
}
