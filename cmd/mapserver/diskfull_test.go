package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mountTmpfs mounts a tmpfs of size bytes on dir, unmounted when the test
// ends; it skips the test, saying why, where this process may not mount
// one (not root, or a container without the capability).
func mountTmpfs(t *testing.T, dir string, size int64) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the disk-full test mounts a small tmpfs as the data directory, which needs root; run the tests as root to include it")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d,mode=0755", size), "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Skipf("the disk-full test needs a small tmpfs as the data directory, and this machine refuses to mount one (%v: %s)", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
}

// fill writes a file of zeros into dir until the disk is full.
func fill(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zeros := make([]byte, 1<<20)
	for {
		if _, err := f.Write(zeros); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return path
		}
	}
}

// The embedded database's disk fills up: a warning comes first (log and
// metrics under 10% free); then writes are refused with 507 and a sentence
// saying the disk is full, and none is half-written; reads go on; once
// space is freed, writes are accepted again.
func TestMapserver_diskFull(t *testing.T) {
	bin := buildServer(t)
	root := reachableDir(t)
	dataDir := filepath.Join(root, "var")
	mountTmpfs(t, dataDir, 160<<20)
	// Only the database on this disk: backups and the WAL archive would
	// live on another one.
	t.Setenv("PARTYMAP_WAL_ARCHIVE_DIR", "off")
	t.Setenv("PARTYMAP_BACKUP_TIME", "off")
	token := addToken(t, bin, dataDir, "filler")
	srv := startServer(t, bin, dataDir)
	base := "http://" + srv.addr
	metrics := "http://" + srv.metrics
	client := &http.Client{Timeout: 30 * time.Second}
	cached := []string{"/collections/grids/items?limit=100", "/collections/parking/items/3", "/collections/buildings/items?limit=5"}
	for _, p := range cached {
		if status, code, _ := (&faultBench{base: base, client: client}).get(p); status != http.StatusOK {
			t.Fatalf("warming %s: %d %s", p, status, code)
		}
	}
	if v := metricValue(t, metrics, "partymap_data_disk_low"); v != 0 {
		t.Fatalf("partymap_data_disk_low = %v on an empty disk, want 0", v)
	}

	filler := fill(t, dataDir)
	deadline := time.Now().Add(15 * time.Second)
	for metricValue(t, metrics, "partymap_data_disk_low") != 1 || !strings.Contains(srv.log.String(), "disk is almost full") {
		if time.Now().After(deadline) {
			t.Fatalf("15 s after the disk filled up: no warning in the log or partymap_data_disk_low:\n%s", srv.log)
		}
		time.Sleep(200 * time.Millisecond)
	}

	bench := &faultBench{base: base, client: client, token: token, direct: embeddedConn(t, dataDir)}
	var outcomes []outcome
	refusedFull := 0
	etags := map[int64]string{}
	for n := 0; n < 60; n++ {
		id := int64(1 + n%2)
		if etags[id] == "" {
			etags[id] = bench.etag(id)
		}
		// Long markers fill pages faster than short ones would.
		marker := fmt.Sprintf("full-%d-%s", n, strings.Repeat("x", 300))
		o, etag := bench.write(id, etags[id], marker)
		etags[id] = etag
		outcomes = append(outcomes, o)
		if o.status == http.StatusInsufficientStorage || o.status == http.StatusServiceUnavailable {
			if o.code != "disk_full" {
				t.Errorf("write %d on a full disk: %d %s, want the code disk_full", n, o.status, o.code)
			}
			refusedFull++
		}
	}
	if refusedFull == 0 {
		t.Fatalf("60 writes on a full disk, none refused for it")
	}
	// The sentence a person reads.
	req, _ := http.NewRequest(http.MethodPatch, base+"/collections/parking/items/1", strings.NewReader(`{"properties":{"fee_en":"`+strings.Repeat("y", 400)+`"}}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/merge-patch+json")
	req.Header.Set("If-Match", bench.etag(1))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var p Problem
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := json.Unmarshal(body, &p); err != nil || resp.StatusCode != http.StatusInsufficientStorage || !strings.Contains(p.Detail, "disk is full") || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("a write on the full disk: %d %s %s, want a 507 problem saying the disk is full", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	for _, path := range append(cached, "/collections/buildings/items?limit=3&offset=7") {
		if status, code, _ := bench.get(path); status != http.StatusOK {
			t.Errorf("read %s on the full disk: %d %s, want 200", path, status, code)
		}
	}
	bench.check(t, outcomes)

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	freed := time.Now()
	for n := 0; ; n++ {
		o, _ := bench.write(1, bench.etag(1), fmt.Sprintf("freed-%d", n))
		if o.status == http.StatusOK {
			t.Logf("a write was acknowledged %v after space was freed", time.Since(freed).Round(time.Millisecond))
			break
		}
		if time.Since(freed) > 15*time.Second {
			t.Fatalf("no write acknowledged 15 s after space was freed: %d %s\n%s", o.status, o.code, srv.log)
		}
		time.Sleep(200 * time.Millisecond)
	}
	deadline = time.Now().Add(15 * time.Second)
	for metricValue(t, metrics, "partymap_data_disk_low") != 0 {
		if time.Now().After(deadline) {
			t.Fatal("partymap_data_disk_low still 1 15 s after space was freed")
		}
		time.Sleep(200 * time.Millisecond)
	}
	bench.direct.Close(context.Background())
	srv.stop(t)
}

// Problem is the part of a problem document the tests read.
type Problem struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
}
