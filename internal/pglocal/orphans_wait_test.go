package pglocal

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

func TestParentOf(t *testing.T) {
	if got, want := parentOf(os.Getpid()), os.Getppid(); got != want {
		t.Errorf("parentOf(self): got %d, want %d", got, want)
	}
	if got := parentOf(1 << 30); got != -1 {
		t.Errorf("parentOf(no such process): got %d, want -1", got)
	}
}

// waitGone sees a process end within the wait, and reports one that does
// not.
func TestWaitGone(t *testing.T) {
	tests := []struct {
		name  string
		sleep string
		limit time.Duration
		want  bool
	}{
		{"ends in time", "0.2", 5 * time.Second, true},
		{"outlives the wait", "30", 300 * time.Millisecond, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command("sleep", tt.sleep)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			reaped := make(chan struct{})
			go func() { _ = cmd.Wait(); close(reaped) }()
			t.Cleanup(func() { _ = cmd.Process.Kill(); <-reaped })
			if got := waitGone(cmd.Process.Pid, tt.limit); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
