package pgbackup

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Defaults of a Schedule.
const (
	// DefaultKeep is how many daily dumps are kept.
	DefaultKeep = 14
	// DefaultKeepBase is how many base backups are kept: the point-in-time
	// window reaches back to the oldest, and the archived WAL since it is
	// kept with it.
	DefaultKeepBase = 3
	// DefaultAt is when the daily backup runs, local time.
	DefaultAt = "03:30"
)

// Schedule says what the daily backup copies, where to and when.
type Schedule struct {
	Tools Tools
	// Database is the connection string pg_dump reads the map from.
	Database string
	// Cluster is a superuser's connection string to the cluster, for
	// pg_basebackup, and Passfile the cluster's password file; with an
	// empty Cluster no base backup is taken.
	Cluster, Passfile string
	// Dir is the backup directory, Archive the WAL archive ("" for none).
	Dir, Archive string
	// Keep and KeepBase are how many dumps and base backups are kept.
	Keep, KeepBase int
	// At is the time of day, local, "HH:MM".
	At     string
	Logger *slog.Logger
}

// Status is what the last backups did, for /readyz.
type Status struct {
	// LastSuccess is when the last backup completed; zero: never.
	LastSuccess time.Time
	// LastFile is the dump it wrote.
	LastFile string
	// LastError is the error of the last attempt when it failed, with
	// its time; empty when the last attempt succeeded.
	LastError   string
	LastErrorAt time.Time
	// Next is when the next backup runs.
	Next time.Time
}

// Scheduler runs the daily backup.
type Scheduler struct {
	s         Schedule
	hour, min int
	mu        sync.Mutex
	status    Status
	lastOK    prometheus.Gauge
	failures  prometheus.Counter
	duration  prometheus.Gauge
	size      prometheus.Gauge
	baseOK    prometheus.Gauge
}

// NewScheduler checks the schedule and returns its scheduler; the last
// success is read from the dumps already in the directory, so that it
// survives a restart.
func NewScheduler(s Schedule) (*Scheduler, error) {
	h, m, err := ParseTimeOfDay(s.At)
	if err != nil {
		return nil, err
	}
	if s.Keep <= 0 {
		s.Keep = DefaultKeep
	}
	if s.KeepBase <= 0 {
		s.KeepBase = DefaultKeepBase
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("backup directory: %w", err)
	}
	sc := &Scheduler{s: s, hour: h, min: m,
		lastOK: prometheus.NewGauge(prometheus.GaugeOpts{Name: "partymap_backup_last_success_timestamp_seconds",
			Help: "When the last daily backup (dump and base backup) completed, Unix time; 0: never."}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{Name: "partymap_backup_failures_total",
			Help: "Daily backups that failed (each is an error in the log)."}),
		duration: prometheus.NewGauge(prometheus.GaugeOpts{Name: "partymap_backup_last_duration_seconds",
			Help: "How long the last successful backup took."}),
		size: prometheus.NewGauge(prometheus.GaugeOpts{Name: "partymap_backup_last_size_bytes",
			Help: "Size of the last dump written."}),
		baseOK: prometheus.NewGauge(prometheus.GaugeOpts{Name: "partymap_base_backup_last_success_timestamp_seconds",
			Help: "When the newest base backup (the start of the point-in-time window) completed, Unix time; 0: none."}),
	}
	removeLeftovers(s.Dir, s.Logger)
	if dumps, _ := Dumps(s.Dir); len(dumps) > 0 {
		last := dumps[len(dumps)-1]
		if t, err := time.Parse(stampLayout, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(last), dumpPrefix), dumpSuffix)); err == nil {
			sc.status.LastSuccess, sc.status.LastFile = t, last
			sc.lastOK.Set(float64(t.Unix()))
		}
	}
	if bases, _ := BaseBackups(s.Dir); len(bases) > 0 {
		sc.baseOK.Set(float64(bases[len(bases)-1].Completed.Unix()))
	}
	return sc, nil
}

// Collectors returns the scheduler's metrics.
func (sc *Scheduler) Collectors() []prometheus.Collector {
	return []prometheus.Collector{sc.lastOK, sc.failures, sc.duration, sc.size, sc.baseOK}
}

// Status returns what the last backups did.
func (sc *Scheduler) Status() Status {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return sc.status
}

// Run takes a backup at once when the newest is more than a day old or
// there is no base backup yet, then one every day at the scheduled time,
// until ctx ends.
func (sc *Scheduler) Run(ctx context.Context) {
	st := sc.Status()
	bases, _ := BaseBackups(sc.s.Dir)
	if time.Since(st.LastSuccess) > 24*time.Hour || (sc.s.Cluster != "" && len(bases) == 0) {
		_ = sc.RunOnce(ctx)
	}
	for {
		next := nextAt(time.Now(), sc.hour, sc.min)
		sc.mu.Lock()
		sc.status.Next = next
		sc.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(next)):
		}
		_ = sc.RunOnce(ctx)
	}
}

// RunOnce takes the backup now: a dump, a base backup, then the pruning of
// what is no longer kept. A failure is logged as an error and counted.
func (sc *Scheduler) RunOnce(ctx context.Context) error {
	began := time.Now()
	res, err := sc.runOnce(ctx)
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		sc.failures.Inc()
		sc.status.LastError, sc.status.LastErrorAt = err.Error(), time.Now()
		sc.s.Logger.Error("backup failed: the map has no fresh backup", "err", err, "dir", sc.s.Dir)
		return err
	}
	sc.status.LastSuccess, sc.status.LastFile, sc.status.LastError = time.Now(), res.Path, ""
	sc.lastOK.Set(float64(sc.status.LastSuccess.Unix()))
	sc.duration.Set(time.Since(began).Seconds())
	sc.size.Set(float64(res.Bytes))
	sc.s.Logger.Info("backup written", "file", res.Path, "bytes", res.Bytes, "took", time.Since(began).Round(time.Millisecond))
	return nil
}

func (sc *Scheduler) runOnce(ctx context.Context) (Result, error) {
	res, err := sc.s.Tools.Dump(ctx, sc.s.Database, filepath.Join(sc.s.Dir, DumpName(time.Now())))
	if err != nil {
		return Result{}, err
	}
	if sc.s.Cluster != "" {
		b, bres, err := sc.s.Tools.TakeBaseBackup(ctx, sc.s.Cluster, sc.s.Passfile, sc.s.Dir)
		if err != nil {
			return Result{}, err
		}
		sc.baseOK.Set(float64(b.Completed.Unix()))
		sc.s.Logger.Info("base backup written", "dir", b.Dir, "bytes", bres.Bytes, "took", bres.Took.Round(time.Millisecond))
	}
	removed, err := sc.s.Tools.Prune(ctx, sc.s.Dir, sc.s.Archive, sc.s.Keep, sc.s.KeepBase)
	if err != nil {
		return Result{}, err
	}
	if len(removed) > 0 {
		sc.s.Logger.Info("old backups removed", "removed", removed)
	}
	return res, nil
}

// removeLeftovers removes what a backup interrupted by a crash left under
// a temporary name: never a backup, only space taken.
func removeLeftovers(dir string, log *slog.Logger) {
	for _, pattern := range []string{filepath.Join(dir, "*.part"), filepath.Join(dir, baseDir, ".part-*")} {
		matches, _ := filepath.Glob(pattern)
		for _, m := range matches {
			if err := os.RemoveAll(m); err == nil {
				log.Info("removed an unfinished backup", "path", m)
			}
		}
	}
}

// ParseTimeOfDay reads "HH:MM" (24 hours).
func ParseTimeOfDay(s string) (hour, minute int, err error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hour, errH := strconv.Atoi(h)
	minute, errM := strconv.Atoi(m)
	if !ok || errH != nil || errM != nil || hour < 0 || hour > 23 || minute < 0 || minute > 59 {
		return 0, 0, fmt.Errorf("the backup time must be HH:MM on a 24-hour clock, like 03:30; got %q", s)
	}
	return hour, minute, nil
}

// nextAt returns the first moment after now at hour:minute, local time.
func nextAt(now time.Time, hour, minute int) time.Time {
	t := time.Date(now.Year(), now.Month(), now.Day(), hour, minute, 0, 0, now.Location())
	if !t.After(now) {
		t = t.AddDate(0, 0, 1)
	}
	return t
}
