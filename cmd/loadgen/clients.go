package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// send makes one request and records it; the body is read to its end. It
// returns the status (0 when no answer came), the headers and the body.
func send(ctx context.Context, c *http.Client, rec *recorder, kind string, req *http.Request) (int, http.Header, []byte) {
	start := time.Now()
	resp, err := c.Do(req.WithContext(ctx))
	if err != nil {
		if ctx.Err() == nil {
			rec.add(sample{kind: kind, took: time.Since(start)})
			rec.failure(kind, req, err.Error())
		}
		return 0, nil, nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		if ctx.Err() == nil {
			rec.add(sample{kind: kind, took: time.Since(start)})
			rec.failure(kind, req, "reading the body: "+err.Error())
		}
		return 0, nil, nil
	}
	rec.add(sample{kind: kind, took: time.Since(start), status: resp.StatusCode})
	if resp.StatusCode >= 500 || (resp.StatusCode >= 400 && kind != kindPatch) {
		rec.failure(kind, req, fmt.Sprintf("%d %s", resp.StatusCode, clip(body)))
	}
	return resp.StatusCode, resp.Header, body
}

// reader sends public reads until ctx ends, as a browser would: it accepts
// gzip and does not unzip.
func reader(ctx context.Context, c *http.Client, p *plan, rec *recorder, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	for ctx.Err() == nil {
		kind, path := p.nextRead(rng)
		req, _ := http.NewRequest(http.MethodGet, p.base+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		send(ctx, c, rec, kind, req)
	}
}

// acked is an edit the server answered 200, with the version its ETag names.
type acked struct {
	layer   string
	id      int64
	version int64
}

// edits is what the editors did.
type edits struct {
	mu        sync.Mutex
	acked     []acked
	conflicts int // 412s, each followed by a re-read and a retry
	unknown   int // PATCHes that got no answer: committed or not
	refused   int // other 4xx
}

func (e *edits) add(f func(*edits)) {
	e.mu.Lock()
	f(e)
	e.mu.Unlock()
}

var etagVersion = regexp.MustCompile(`^"([a-z]+)-(\d+)-v(\d+)"$`)

// Opening hours the editors set on posts.
var hours = []string{"08:00-18:00", "07:30-21:00", "09:00-17:30", "08:30-20:30", "06:00-22:00", "10:00-16:00"}

// editor changes free spaces of car parks and opening hours of posts until
// ctx ends: it reads the item, PATCHes it with If-Match, and on 412 reads it
// again and retries. It pauses between edits.
func editor(ctx context.Context, c *http.Client, p *plan, token string, pause time.Duration, rec *recorder, ed *edits, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 11))
	for ctx.Err() == nil {
		layer, id := "posts", int64(0)
		var lot parkingLot
		if len(p.parking) > 0 && (len(p.posts) == 0 || rng.IntN(2) == 0) {
			lot = p.parking[rng.IntN(len(p.parking))]
			layer, id = "parking", lot.id
		} else if len(p.posts) > 0 {
			id = p.posts[rng.IntN(len(p.posts))]
		} else {
			return
		}
		url := fmt.Sprintf("%s/collections/%s/items/%d", p.base, layer, id)
		for attempt := 0; attempt < 10 && ctx.Err() == nil; attempt++ {
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			status, h, body := send(ctx, c, rec, kindRead, req)
			if status != http.StatusOK {
				break
			}
			var cur struct {
				Properties struct {
					Free  *float64 `json:"free"`
					Hours string   `json:"hours"`
				} `json:"properties"`
			}
			if err := json.Unmarshal(body, &cur); err != nil {
				break
			}
			// Always a different value, so that every write changes the item.
			var patch string
			if layer == "parking" {
				free := rng.IntN(lot.capacity + 1)
				if cur.Properties.Free != nil && free == int(*cur.Properties.Free) {
					free = (free + 1) % (lot.capacity + 1)
				}
				patch = fmt.Sprintf(`{"properties":{"free":%d}}`, free)
			} else {
				hs := hours[rng.IntN(len(hours))]
				if hs == cur.Properties.Hours {
					hs = hours[(rng.IntN(len(hours)-1)+1+indexOf(hours, hs))%len(hours)]
				}
				patch = fmt.Sprintf(`{"properties":{"hours":%q}}`, hs)
			}
			req, _ = http.NewRequest(http.MethodPatch, url, strings.NewReader(patch))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/merge-patch+json")
			req.Header.Set("If-Match", h.Get("ETag"))
			status, h, _ = send(ctx, c, rec, kindPatch, req)
			if status == 0 && ctx.Err() != nil {
				// Cut off by the end of the run: the outcome is unknown.
				ed.add(func(e *edits) { e.unknown++ })
				return
			}
			switch {
			case status == http.StatusOK:
				m := etagVersion.FindStringSubmatch(h.Get("ETag"))
				v, err := strconv.ParseInt(safeIndex(m, 3), 10, 64)
				if err != nil {
					rec.failure(kindPatch, req, "200 without a version ETag: "+h.Get("ETag"))
					break
				}
				ed.add(func(e *edits) { e.acked = append(e.acked, acked{layer: layer, id: id, version: v}) })
			case status == http.StatusPreconditionFailed:
				ed.add(func(e *edits) { e.conflicts++ })
				continue
			case status == 0:
				ed.add(func(e *edits) { e.unknown++ })
			default:
				ed.add(func(e *edits) { e.refused++ })
				if status < 500 {
					rec.failure(kindPatch, req, fmt.Sprintf("%d to a PATCH", status))
				}
			}
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
	}
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return 0
}

func safeIndex(m []string, i int) string {
	if i < len(m) {
		return m[i]
	}
	return ""
}

// failure keeps the first few unexpected answers, for the report.
func (r *recorder) failure(kind string, req *http.Request, what string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures++
	if len(r.examples) < 10 {
		r.examples = append(r.examples, fmt.Sprintf("%s %s %s: %s", kind, req.Method, req.URL.RequestURI(), what))
	}
}

var errNoToken = errors.New("set LOADGEN_TOKEN to an editor's API token (mapserver token add)")
