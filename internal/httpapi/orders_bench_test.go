package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"partymap/internal/httpapi"
)

// BenchmarkOrders_submitUnderLoad places orders at a steady rate (200/s
// for 30 s; ORDERS_RATE and ORDERS_SECONDS change them) through real HTTP
// while two members of staff work the queue (publish, claim) at the same
// time, without a break (ORDERS_STAFF_PAUSE_MS gives them one), and reports the submissions' latency. It fails on any 5xx and on
// any order answered 201 but not stored. Run it alone:
//
//	go test -run '^$' -bench Orders_submitUnderLoad -benchtime 1x ./internal/httpapi
func BenchmarkOrders_submitUnderLoad(b *testing.B) {
	rate, seconds := envInt("ORDERS_RATE", 200), envInt("ORDERS_SECONDS", 30)
	// pause is how long a member of staff waits between two looks at the
	// queue (ORDERS_STAFF_PAUSE_MS); 0 works it without a break.
	pause := time.Duration(envInt("ORDERS_STAFF_PAUSE_MS", 0)) * time.Millisecond
	for range b.N {
		env := newOrdersEnvB(b)
		srv := httptest.NewServer(env.h)
		defer srv.Close()
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
		var (
			mu        sync.Mutex
			latencies []time.Duration
			ids       []int64
			fives     atomic.Int64
			others    atomic.Int64
			staffOps  atomic.Int64
		)
		ctx, cancel := context.WithCancel(context.Background())
		var staff sync.WaitGroup
		for range 2 {
			staff.Add(1)
			go func() {
				defer staff.Done()
				for ctx.Err() == nil {
					n := workQueue(ctx, client, srv.URL, env.admin, &fives)
					staffOps.Add(int64(n))
					if n == 0 || pause > 0 {
						time.Sleep(max(pause, 50*time.Millisecond))
					}
				}
			}()
		}
		body := []byte(`{"kind":"need","category":"repair","text":"北门路灯不亮","point":[110.09574,34.57191],"phone":"13800000000"}`)
		var wg sync.WaitGroup
		tick := time.NewTicker(time.Second / time.Duration(rate))
		end := time.Now().Add(time.Duration(seconds) * time.Second)
		b.ResetTimer()
		for time.Now().Before(end) {
			<-tick.C
			wg.Add(1)
			go func() {
				defer wg.Done()
				start := time.Now()
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/orders", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				res, err := client.Do(req)
				took := time.Since(start)
				if err != nil {
					others.Add(1)
					return
				}
				out, _ := io.ReadAll(res.Body)
				res.Body.Close()
				var rec struct {
					ID int64 `json:"id"`
				}
				switch {
				case res.StatusCode >= 500:
					fives.Add(1)
				case res.StatusCode != http.StatusCreated || json.Unmarshal(out, &rec) != nil:
					others.Add(1)
				default:
					mu.Lock()
					latencies = append(latencies, took)
					ids = append(ids, rec.ID)
					mu.Unlock()
				}
			}()
		}
		tick.Stop()
		wg.Wait()
		b.StopTimer()
		cancel()
		staff.Wait()
		var stored int64
		if err := env.db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM orders WHERE id = ANY($1)`, ids).Scan(&stored); err != nil {
			b.Fatal(err)
		}
		slices.Sort(latencies)
		q := func(p float64) time.Duration {
			if len(latencies) == 0 {
				return 0
			}
			return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))]
		}
		b.ReportMetric(float64(len(ids))/float64(seconds), "orders/s")
		b.ReportMetric(float64(q(0.5).Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(q(0.99).Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(q(1).Microseconds())/1000, "max-ms")
		b.ReportMetric(float64(staffOps.Load()), "staff-actions")
		b.Logf("%d submissions answered 201, %d stored, %d 5xx, %d other refusals, %d staff actions; p50 %v p99 %v max %v",
			len(ids), stored, fives.Load(), others.Load(), staffOps.Load(), q(0.5), q(0.99), q(1))
		if fives.Load() > 0 || others.Load() > 0 {
			b.Errorf("%d answers were 5xx and %d other refusals", fives.Load(), others.Load())
		}
		if stored != int64(len(ids)) {
			b.Errorf("%d orders were answered 201 but %d are stored", len(ids), stored)
		}
	}
}

// workQueue publishes and claims what a staff desk shows, as a member of
// staff would, and returns how many actions it took.
func workQueue(ctx context.Context, client *http.Client, base, token string, fives *atomic.Int64) int {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/orders?status=submitted,published&limit=20", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := client.Do(req)
	if err != nil {
		return 0
	}
	var q struct {
		Orders []struct {
			ID         int64             `json:"id"`
			ETag       string            `json:"etag"`
			Properties map[string]string `json:"properties"`
		} `json:"orders"`
	}
	_ = json.NewDecoder(res.Body).Decode(&q)
	res.Body.Close()
	n := 0
	for _, o := range q.Orders {
		action := "publish"
		if o.Properties["status"] == "published" {
			action = "claim"
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf("%s/api/orders/%d/%s", base, o.ID, action), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("If-Match", o.ETag)
		res, err := client.Do(req)
		if err != nil {
			continue
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode >= 500 && ctx.Err() == nil {
			fives.Add(1)
		}
		n++
	}
	return n
}

// newOrdersEnvB is newOrdersEnv for a benchmark, with the public's limits
// out of the way (every submission comes from one address).
func newOrdersEnvB(b *testing.B) *ordersEnv {
	b.Helper()
	return newOrdersEnv(b, func(cfg *httpapi.Config) {
		cfg.OrderLimits = httpapi.OrderLimits{PerAddress: 1 << 30, PerDevice: 1 << 30}
	})
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
