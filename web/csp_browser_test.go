package web_test

import (
	"strings"
	"testing"
	"time"
)

// The viewer works under the server's Content-Security-Policy (MapLibre's
// blob worker included), and a violation of the policy would fail the
// viewer's tests: Chromium reports what the policy blocks as a console
// error, which the page recorder (checkClean) counts.
func TestViewer_underCSP(t *testing.T) {
	srv := startServer(t)
	bctx := startBrowser(t)
	p := openPage(t, bctx, srv, "/map", 1024, 768, false)
	p.waitReady()
	csp := eval[string](p, `fetch(location.href).then((r) => r.headers.get('Content-Security-Policy') || '')`)
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "worker-src 'self' blob:", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Fatalf("the page is served with CSP %q, lacking %q: this test would prove nothing", csp, want)
		}
	}
	if n := eval[int](p, `partymap.map.queryRenderedFeatures().length`); n == 0 {
		t.Error("the map drew no features under the CSP")
	}
	p.rec.mu.Lock()
	before := append([]string(nil), p.rec.problems...)
	p.rec.mu.Unlock()
	if len(before) > 0 {
		t.Errorf("the map reported errors under the CSP: %v", before)
	}

	// Negative control: what the policy forbids is blocked, and reported.
	eval[bool](p, `(() => {
		const s = document.createElement('script');
		s.textContent = 'window.__inlineRan = true';
		document.head.appendChild(s);
		const img = new Image();
		img.src = 'https://tiles.example.com/0/0/0.png';
		document.body.appendChild(img);
		return true;
	})()`)
	deadline := time.Now().Add(5 * time.Second)
	var reported []string
	for time.Now().Before(deadline) {
		p.rec.mu.Lock()
		reported = nil
		for _, msg := range p.rec.problems[len(before):] {
			if strings.Contains(msg, "Content Security Policy") {
				reported = append(reported, msg)
			}
		}
		p.rec.mu.Unlock()
		if len(reported) >= 2 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(reported) < 2 {
		t.Errorf("an inline script and a remote image were not both reported as CSP violations; got %v", reported)
	}
	if eval[bool](p, `window.__inlineRan === true`) {
		t.Error("an inline script ran despite the CSP")
	}
}
