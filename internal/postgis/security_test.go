package postgis_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"partymap/internal/changes"
	"partymap/internal/geo"
)

// A car park's announcement carries its spaces, so that the event streams
// need not read the history; no announcement carries anything else of a
// row, a phone number least of all (migration 006).
func TestDB_ListenCarriesOnlyNamedValues(t *testing.T) {
	db, conn := openTestDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	raw, err := pgx.Connect(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close(context.Background())
	if _, err := raw.Exec(ctx, "LISTEN partymap_change"); err != nil {
		t.Fatal(err)
	}
	hub := changes.NewHub()
	ch, unsubscribe := hub.Subscribe(16)
	defer unsubscribe()
	ready := make(chan struct{})
	go db.Listen(ctx, hub, ready)
	<-ready

	for _, sql := range []string{
		`UPDATE parking SET free = 11 WHERE id = 2`,
		`UPDATE posts SET phone = '0913-5550199' WHERE id = 4`,
		`UPDATE grids SET leader_phone = '139-0000-0001' WHERE id = 3`,
		`DELETE FROM parking WHERE id = 3`,
	} {
		if _, err := db.Pool().Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	var payloads []string
	for range 4 {
		wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
		n, err := raw.WaitForNotification(wctx)
		wcancel()
		if err != nil {
			t.Fatalf("notification %d: %v", len(payloads)+1, err)
		}
		payloads = append(payloads, n.Payload)
	}
	for _, p := range payloads {
		if strings.Contains(p, "0913-5550199") || strings.Contains(p, "139-0000-0001") || strings.Contains(p, "phone") {
			t.Errorf("an announcement carries personal data: %s", p)
		}
	}
	if !strings.Contains(payloads[0], `"values" : {"free": 11, "capacity": 50}`) {
		t.Errorf("the car park's announcement %s, want its free and capacity", payloads[0])
	}
	var got []geo.Change
	for range 4 {
		select {
		case c := <-ch:
			got = append(got, c)
		case <-time.After(5 * time.Second):
			t.Fatalf("%d changes reached the hub, want 4", len(got))
		}
	}
	if c := got[0]; c.Layer != "parking" || c.Free == nil || *c.Free != 11 || c.Capacity == nil || *c.Capacity != 50 {
		t.Errorf("parking change %+v, want free 11 of 50", c)
	}
	for _, c := range got[1:] {
		if c.Free != nil || c.Capacity != nil {
			t.Errorf("%s %d %s carries spaces %v/%v, want none", c.Layer, c.ID, c.Op, c.Free, c.Capacity)
		}
	}
}

// Failures count per name and address, per address and per name, each
// since the last success of its kind; an address is known for a user once
// the user has logged in from it.
func TestDB_LoginState(t *testing.T) {
	db, _ := openTestDB(t)
	ctx := context.Background()
	u, err := db.CreateUser(ctx, "alice", geo.Editor, geo.Scope{}, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	const window = 15 * time.Minute
	record := func(name, client string, ok bool, userID int64) {
		t.Helper()
		if err := db.RecordLogin(ctx, geo.LoginAttempt{Name: name, Client: client, OK: ok, UserID: userID}, window); err != nil {
			t.Fatal(err)
		}
	}
	record("alice", "home", true, u.ID)
	for range 3 {
		record("alice", "attacker", false, 0)
	}
	record("bob", "attacker", false, 0)
	record("Alice", "cafe", false, 0)

	tests := []struct {
		name, client        string
		pair, clientN, all  int
		known, foundAccount bool
	}{
		{"alice", "attacker", 3, 4, 4, false, true},
		{"alice", "home", 0, 0, 4, true, true},
		{"ALICE ", "cafe", 1, 1, 4, false, true},
		{"bob", "attacker", 1, 4, 1, false, false},
	}
	for _, tt := range tests {
		st, err := db.LoginState(ctx, tt.name, tt.client, window)
		if err != nil {
			t.Fatal(err)
		}
		if st.Pair.Count != tt.pair || st.Client.Count != tt.clientN || st.Name.Count != tt.all || st.KnownClient != tt.known || (st.Hash != "") != tt.foundAccount {
			t.Errorf("%s from %s: pair %d, client %d, name %d, known %v, account %v; want %d, %d, %d, %v, %v",
				tt.name, tt.client, st.Pair.Count, st.Client.Count, st.Name.Count, st.KnownClient, st.Hash != "", tt.pair, tt.clientN, tt.all, tt.known, tt.foundAccount)
		}
		if tt.pair > 0 && (st.Pair.Last.IsZero() || st.Now.Sub(st.Pair.Last) > time.Minute) {
			t.Errorf("%s from %s: last failure %v, now %v", tt.name, tt.client, st.Pair.Last, st.Now)
		}
	}
	// A success resets what counts against its kinds.
	record("alice", "attacker", true, u.ID)
	st, _ := db.LoginState(ctx, "alice", "attacker", window)
	if st.Pair.Count != 0 || st.Client.Count != 0 || st.Name.Count != 0 || !st.KnownClient {
		t.Errorf("after a success: %+v, want nothing counted and a known address", st)
	}
	failures, err := db.LoginFailures(ctx, window)
	if err != nil {
		t.Fatal(err)
	}
	if failures["bob"].Count != 1 || failures["alice"].Count != 0 {
		t.Errorf("LoginFailures: %v, want bob 1, alice none since her last success", failures)
	}
}
