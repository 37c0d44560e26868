package pgtest

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// FaultProxy stands between a server under test and PostgreSQL and breaks
// the link on demand. It listens on TCP loopback and forwards each
// connection to PostgreSQL's address, which may be the Unix socket of an
// embedded cluster (that listens on no TCP port): a server reaches the
// cluster through it with host=127.0.0.1 port=Port() and the cluster's
// password file. Its faults are those of a real network and a real
// PostgreSQL:
//
//   - SetLatency delays every chunk of bytes, each way;
//   - Drop stops moving bytes on every connection and on new ones, closing
//     nothing (a half-open link: no RST, no FIN, packets lost); Heal moves
//     what was held, as TCP retransmission would deliver it;
//   - Blackhole is a PostgreSQL that accepts connections but never answers:
//     existing connections hang as under Drop, new ones are accepted and
//     never answered, even after Heal (the client must give them up);
//   - ResetFor resets, for a while, one in six of the messages sent to
//     PostgreSQL right after forwarding it: the query (or COMMIT) arrives,
//     its answer never returns, the client gets ECONNRESET mid-query; the
//     others pass, so that transactions get as far as COMMIT;
//   - ResetCommits resets the connection of the next COMMITs right after
//     forwarding them: the transaction commits, its client never hears so.
type FaultProxy struct {
	ln               net.Listener
	network, address string

	mu        sync.Mutex
	latency   time.Duration
	held      chan struct{} // closed when not dropping; a new one while dropping
	blackhole bool
	resetTill time.Time
	// commitResets is how many COMMITs are still to be reset.
	commitResets int
	links        map[*link]struct{}
	wg           sync.WaitGroup
}

// link is one proxied connection.
type link struct {
	client, server net.Conn
	once           sync.Once
	// loseAnswer is set when a COMMIT went to PostgreSQL whose answer
	// is to be lost.
	loseAnswer atomic.Bool
}

// close closes both ends; reset makes the client's end send RST.
func (l *link) close(reset bool) {
	l.once.Do(func() {
		if tc, ok := l.client.(*net.TCPConn); ok && reset {
			_ = tc.SetLinger(0)
		}
		_ = l.client.Close()
		if l.server != nil {
			_ = l.server.Close()
		}
	})
}

// NewFaultProxy starts a proxy to PostgreSQL at network/address ("unix" and
// a socket path, or "tcp" and host:port), stopped when the test ends.
func NewFaultProxy(t testing.TB, network, address string) *FaultProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	open := make(chan struct{})
	close(open)
	p := &FaultProxy{ln: ln, network: network, address: address, held: open, links: map[*link]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.Close)
	return p
}

// Port returns the TCP port the proxy listens on, at 127.0.0.1.
func (p *FaultProxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// Addr returns host:port of the proxy.
func (p *FaultProxy) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.Port())) }

// Links returns the connections open through the proxy.
func (p *FaultProxy) Links() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.links)
}

// SetLatency delays every chunk by d, each way; 0 removes the delay.
func (p *FaultProxy) SetLatency(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.latency = d
}

// Drop holds every byte, each way, on every connection, new ones included,
// until Heal.
func (p *FaultProxy) Drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dropping() {
		return
	}
	p.held = make(chan struct{})
}

// Blackhole hangs the existing connections as Drop does, and answers no
// new connection, ever.
func (p *FaultProxy) Blackhole() {
	p.Drop()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.blackhole = true
}

// ResetFor resets each connection that forwards a message to PostgreSQL
// in the next d.
func (p *FaultProxy) ResetFor(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.resetTill = time.Now().Add(d)
}

// ResetCommits resets the connection of each of the next n COMMIT
// statements (a simple query "commit", as pgx sends it) when PostgreSQL
// answers it: the COMMIT has run, and its answer is lost. (Closing the
// link right after forwarding it would let the reset outrun the COMMIT,
// which PostgreSQL then never runs: a refusal, not a lost answer.)
func (p *FaultProxy) ResetCommits(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.commitResets = n
}

// isCommit reports whether a chunk sent to PostgreSQL is one simple query
// COMMIT: 'Q', its length, "commit" and a NUL.
func isCommit(b []byte) bool {
	return len(b) == 12 && b[0] == 'Q' && strings.EqualFold(string(b[5:11]), "commit") && b[11] == 0
}

// Heal ends every fault: held bytes move on, latency is gone, new
// connections reach PostgreSQL again.
func (p *FaultProxy) Heal() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.latency, p.blackhole, p.resetTill, p.commitResets = 0, false, time.Time{}, 0
	if p.dropping() {
		close(p.held)
	}
}

// dropping reports whether bytes are held; the caller holds mu.
func (p *FaultProxy) dropping() bool {
	select {
	case <-p.held:
		return false
	default:
		return true
	}
}

// Close stops the proxy and closes every connection through it.
func (p *FaultProxy) Close() {
	_ = p.ln.Close()
	p.Heal()
	p.mu.Lock()
	for l := range p.links {
		l.close(false)
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *FaultProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		l := &link{client: c}
		p.mu.Lock()
		p.links[l] = struct{}{}
		black := p.blackhole
		p.mu.Unlock()
		p.wg.Add(1)
		go p.serve(l, black)
	}
}

// serve proxies one connection until either side closes it.
func (p *FaultProxy) serve(l *link, black bool) {
	defer p.wg.Done()
	defer func() {
		l.close(false)
		p.mu.Lock()
		delete(p.links, l)
		p.mu.Unlock()
	}()
	if black {
		// Accepted, never answered: read until the client gives up.
		_, _ = io.Copy(io.Discard, l.client)
		return
	}
	p.wait()
	s, err := net.DialTimeout(p.network, p.address, 5*time.Second)
	if err != nil {
		return
	}
	l.server = s
	done := make(chan struct{}, 2)
	go func() { p.pump(l, l.client, s, true); done <- struct{}{} }()
	go func() { p.pump(l, s, l.client, false); done <- struct{}{} }()
	<-done
	l.close(false)
	<-done
}

// wait blocks while bytes are held.
func (p *FaultProxy) wait() {
	p.mu.Lock()
	held := p.held
	p.mu.Unlock()
	<-held
}

// pump copies from src to dst chunk by chunk, applying the faults.
func (p *FaultProxy) pump(l *link, src, dst net.Conn, toServer bool) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.wait()
			p.mu.Lock()
			delay, resetting := p.latency, time.Now().Before(p.resetTill) && rand.IntN(6) == 0
			if toServer && p.commitResets > 0 && isCommit(buf[:n]) {
				p.commitResets--
				l.loseAnswer.Store(true)
			}
			p.mu.Unlock()
			if !toServer && l.loseAnswer.Load() {
				l.close(true)
				return
			}
			if delay > 0 {
				time.Sleep(delay)
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
			if resetting && toServer {
				l.close(true)
				return
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				l.close(false)
			}
			return
		}
	}
}
