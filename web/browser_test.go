package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/paulmach/orb"

	"partymap/internal/geo"
	"partymap/internal/httpapi"
	"partymap/internal/postgis"
	"partymap/internal/testdb"
	"partymap/web"
)

// chromiumPath is Debian's Chromium; the tests never download a browser.
const chromiumPath = "/usr/lib/chromium/chromium"

// kioskPosition is where the test kiosk stands, as the data README says.
var kioskPosition = orb.Point{110.099817, 34.574658}

// startServer serves the real router (OGC API, tiles, style, viewer) on a
// fresh copy of the seeded database.
func startServer(t *testing.T) *httptest.Server {
	t.Helper()
	db, _ := testdb.Open(t, harness)
	return startServerOn(t, db, nil, nil)
}

// startServerOn serves the real router on db with the viewer and the kiosk
// at kioskPosition; tune, when set, changes the configuration, and wrap
// the handler.
func startServerOn(t *testing.T, db *postgis.DB, tune func(*httpapi.Config), wrap func(http.Handler) http.Handler) *httptest.Server {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("Chromium is missing at %s: install it with scripts/deps.sh test (apt-get install chromium fonts-noto-cjk)", chromiumPath)
	}
	kiosk := kioskPosition
	cfg := httpapi.Config{
		Catalogue:     geo.NewCatalogue(),
		Store:         db,
		Tiles:         db,
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		Viewer:        web.Files(),
		Style:         web.Style(),
		KioskPosition: &kiosk,
		// the viewer asks for today's activities on every page
		Activities: db,
	}
	if tune != nil {
		tune(&cfg)
	}
	api, err := httpapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = api.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	t.Cleanup(api.CloseStreams) // runs first: event streams end before the server closes
	return srv
}

// sharedBrowser is one headless Chromium for the whole test binary,
// drawing WebGL in software (SwiftShader) as a kiosk without a GPU would.
type sharedBrowser struct {
	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	dir    string
	err    error
}

// start starts the browser on first use and returns its context.
func (b *sharedBrowser) start() (context.Context, error) {
	b.once.Do(func() {
		if _, err := os.Stat(chromiumPath); err != nil {
			b.err = fmt.Errorf("Chromium is missing at %s: install it with scripts/deps.sh test (apt-get install chromium fonts-noto-cjk)", chromiumPath)
			return
		}
		b.dir, b.err = os.MkdirTemp("", "partymap-chromium-")
		if b.err != nil {
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(chromiumPath),
			chromedp.Flag("headless", "new"),
			chromedp.NoSandbox,
			chromedp.Flag("use-angle", "swiftshader"),
			chromedp.Flag("enable-unsafe-swiftshader", true),
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-sync", true),
			chromedp.NoFirstRun,
			chromedp.UserDataDir(b.dir),
		)
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		bctx, cancelBrowser := chromedp.NewContext(actx)
		b.ctx = bctx
		b.cancel = func() {
			cancelBrowser()
			cancelAlloc()
		}
		if err := chromedp.Do(bctx); err != nil {
			b.err = fmt.Errorf("start Chromium: %w", err)
		}
	})
	return b.ctx, b.err
}

// stop ends the browser and removes its profile.
func (b *sharedBrowser) stop() {
	if b.cancel != nil {
		b.cancel()
	}
	if b.dir != "" {
		os.RemoveAll(b.dir)
	}
}

// startBrowser returns the test binary's browser; each page opens its own
// tab in it.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	ctx, err := chromium.start()
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

// page is one browser tab on the viewer. It records every request the page
// makes and every console error, exception and failed load.
type page struct {
	t    *testing.T
	ctx  context.Context
	host string
	rec  *recorder
}

// recorder keeps what a tab did, from the tab's event loop.
type recorder struct {
	mu       sync.Mutex
	requests []string
	problems []string
	warnings []string
}

// on returns the page bound to a subtest, so that its failures stop that
// subtest and not its parent.
func (p *page) on(t *testing.T) *page {
	q := *p
	q.t = t
	return &q
}

// openPage opens url in a new tab of width×height CSS pixels.
func openPage(t *testing.T, bctx context.Context, srv *httptest.Server, path string, width, height int64, mobile bool) *page {
	t.Helper()
	return openPageWith(t, bctx, srv, path, width, height, mobile)
}

// openPageWith is openPage with options of the tab's context, such as
// chromedp.WithNewBrowserContext() for a tab with cookies and storage of
// its own (a second member of staff).
func openPageWith(t *testing.T, bctx context.Context, srv *httptest.Server, path string, width, height int64, mobile bool, opts ...chromedp.ContextOption) *page {
	t.Helper()
	return openPageIn(t, bctx, srv, path, width, height, mobile, "zh-CN,zh", opts...)
}

// openPageIn is openPageWith on a device whose languages are
// acceptLanguage (navigator.languages and Accept-Language): a Chinese
// phone, as most visitors have and the tests assume, unless said.
func openPageIn(t *testing.T, bctx context.Context, srv *httptest.Server, path string, width, height int64, mobile bool, acceptLanguage string, opts ...chromedp.ContextOption) *page {
	t.Helper()
	u, _ := url.Parse(srv.URL)
	p := &page{t: t, host: u.Host, rec: &recorder{}}
	ctx, cancel := chromedp.NewContext(bctx, append([]chromedp.ContextOption{chromedp.WithListener(p.rec.record)}, opts...)...)
	t.Cleanup(cancel)
	p.ctx = ctx
	emulate := []chromedp.EmulateViewportOption{}
	if mobile {
		emulate = append(emulate, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	err := chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
			if _, err := cdp.Call(ctx, tgt, network.Enable, network.EnableParams{}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, tgt, cdplog.Enable, cdp.Empty{})
			return err
		}),
		chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
			ua, err := chromedp.Run(ctx, chromedp.Evaluate[string]("navigator.userAgent"))
			if err != nil {
				return err
			}
			_, err = cdp.Call(ctx, tgt, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: ua, AcceptLanguage: acceptLanguage})
			return err
		}),
		chromedp.EmulateViewport(width, height, emulate...),
		chromedp.Navigate(srv.URL+path),
	)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	return p
}

// origin is the page's scheme and host, as the browser sees them.
func (p *page) origin() string {
	return "http://" + p.host
}

// record runs in the tab's event loop: it must return fast.
func (p *recorder) record(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		p.requests = append(p.requests, e.Request.URL)
	case *runtime.EventConsoleAPICalled:
		var parts []string
		for _, a := range e.Args {
			if len(a.Value) > 0 {
				parts = append(parts, string(a.Value))
			} else {
				parts = append(parts, a.Description)
			}
		}
		msg := fmt.Sprintf("console.%s: %s", e.Type, strings.Join(parts, " "))
		switch e.Type {
		case runtime.ConsoleAPICalledTypeError, runtime.ConsoleAPICalledTypeAssert:
			p.problems = append(p.problems, msg)
		case runtime.ConsoleAPICalledTypeWarning:
			p.warnings = append(p.warnings, msg)
		}
	case *runtime.EventExceptionThrown:
		d := e.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		p.problems = append(p.problems, "exception: "+msg)
	case *cdplog.EventEntryAdded:
		if e.Entry.Level == cdplog.EntryLevelError {
			p.problems = append(p.problems, fmt.Sprintf("log: %s %s", e.Entry.Text, e.Entry.URL))
		}
	}
}

// checkClean fails the test on any console error or exception, and on any
// request that leaves the test server.
func (p *page) checkClean() {
	p.t.Helper()
	r := p.rec
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, msg := range r.problems {
		p.t.Errorf("the page reported an error: %s", msg)
	}
	for _, msg := range r.warnings {
		p.t.Logf("the page warned: %s", msg)
	}
	if len(r.requests) == 0 {
		p.t.Error("no request was recorded: the network recorder does not work")
	}
	for _, raw := range r.requests {
		u, err := url.Parse(raw)
		if err != nil {
			p.t.Errorf("unparseable request URL %q", raw)
			continue
		}
		switch u.Scheme {
		case "data", "blob":
			continue
		}
		if u.Host != p.host {
			p.t.Errorf("a request left the server: %s (want only %s)", raw, p.host)
		}
	}
}

// eval runs a JavaScript expression (awaiting a promise) and decodes its value.
func eval[T any](p *page, expr string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", clip(expr), err)
	}
	return v
}

// waitFor polls a JavaScript predicate until it is true.
func (p *page) waitFor(what, expr string, timeout time.Duration) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, timeout+5*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(timeout)))
	if err != nil {
		p.t.Fatalf("waiting for %s (%s): %v", what, clip(expr), err)
	}
}

// waitReady waits until the viewer has started and the map is idle, and
// returns how long after navigation the map first went idle.
func (p *page) waitReady() time.Duration {
	p.t.Helper()
	p.waitFor("the viewer to start", `!!window.partymap && document.body.classList.contains('ready')`, 30*time.Second)
	// As in settle: a map that has loaded every tile and stands still is
	// ready even when its 'idle' event does not come.
	p.waitFor("the map's first idle", `(() => { if (window.partymap.firstIdle > 0) return true;
		const m = window.partymap.map;
		if (m.loaded() && m.areTilesLoaded() && !m.isMoving()) window.partymap.firstIdle = performance.now();
		return window.partymap.firstIdle > 0; })()`, 30*time.Second)
	p.idle()
	return time.Duration(eval[float64](p, `window.partymap.firstIdle`) * float64(time.Millisecond))
}

// idle waits until the map has nothing left to load or draw.
func (p *page) idle() {
	p.t.Helper()
	p.settle("window.partymap.map")
}

// settle waits until the map that expr names has drawn everything it has
// to. The 'idle' event is what a settled map says. Now and then on a loaded
// machine it never comes (seen in about one full run in five; the cause was
// not found); a map that has loaded every tile and stands still is settled
// all the same, so after 3 s poll for that too.
func (p *page) settle(expr string) {
	p.t.Helper()
	eval[bool](p, `new Promise((resolve) => {
		const m = `+expr+`;
		m.once('idle', () => resolve(true));
		m.triggerRepaint();
		const settled = () => m.loaded() && m.areTilesLoaded() && !m.isMoving();
		const poll = () => (settled() ? resolve(true) : setTimeout(poll, 250));
		setTimeout(poll, 3000);
	})`)
}

// click taps the page at x, y (CSS pixels), as a finger or mouse would.
func (p *page) click(x, y float64) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, chromedp.MouseClickXY(x, y)); err != nil {
		p.t.Fatalf("click at %.0f,%.0f: %v", x, y, err)
	}
}

// clickSelector clicks an element of the page.
func (p *page) clickSelector(sel string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		p.t.Fatalf("click %s: %v", sel, err)
	}
}

// screenshot saves the tab's viewport as a PNG under the screenshot folder.
func (p *page) screenshot(name string) {
	p.t.Helper()
	buf, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := screenshotDir(p.t)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		p.t.Fatalf("write screenshot: %v", err)
	}
	p.t.Logf("screenshot: %s", path)
}

// screenshotDir is $PARTYMAP_SCREENSHOTS, or web/testdata/screenshots (not
// committed).
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("PARTYMAP_SCREENSHOTS")
	if dir == "" {
		abs, err := filepath.Abs(filepath.Join("testdata", "screenshots"))
		if err != nil {
			t.Fatal(err)
		}
		dir = abs
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot folder: %v", err)
	}
	return dir
}

// jsString quotes s for JavaScript.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}
