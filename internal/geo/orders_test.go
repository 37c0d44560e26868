package geo

import (
	"strings"
	"testing"
	"time"
)

// Tracking codes: ten characters of Crockford's base 32 in two groups,
// different each time, read back as people type them.
func TestTrackingCode(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		c, err := NewTrackingCode()
		if err != nil {
			t.Fatal(err)
		}
		if len(c) != TrackingCodeLength+1 || c[5] != '-' || strings.ContainsAny(c, "ILOU") {
			t.Fatalf("code %q", c)
		}
		if seen[c] {
			t.Fatalf("code %q came twice in 1000", c)
		}
		seen[c] = true
		n, err := NormalizeTrackingCode(strings.ToLower(strings.ReplaceAll(c, "-", " ")))
		if err != nil || n != c {
			t.Fatalf("normalised %q: %q %v", c, n, err)
		}
	}
	if n, err := NormalizeTrackingCode("o1il0-abcde"); err != nil || n != "01110-ABCDE" {
		t.Errorf("O, I and L read as digits: %q %v", n, err)
	}
	for _, bad := range []string{"", "ABCDE", "ABCDE-ABCDEF", "ABCDE-ABCD!", "ABCDE-ABCDU"} {
		if _, err := NormalizeTrackingCode(bad); ErrorCode(err) != ENOTFOUND {
			t.Errorf("%q: %v, want not found", bad, err)
		}
	}
}

func TestCheckOrderText(t *testing.T) {
	what := Label{"内容", "text"}
	for _, ok := range []string{"北门路灯不亮", "a < b and <3", "  第一行\n第二行  "} {
		if _, err := CheckOrderText(what, ok, true); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "   ", strings.Repeat("灯", MaxOrderText+1), "<script>x</script>", "<img src=x>", "</b>", "<!-- -->", "a\x00b"} {
		if _, err := CheckOrderText(what, bad, true); ErrorCode(err) != EINVALID {
			t.Errorf("%q: %v, want invalid", bad, err)
		}
	}
	if s, err := CheckOrderText(what, strings.Repeat("灯", MaxOrderText), true); err != nil || len([]rune(s)) != MaxOrderText {
		t.Errorf("exactly %d characters: %v", MaxOrderText, err)
	}
}

func TestCheckPhone(t *testing.T) {
	for in, want := range map[string]string{"": "", "138 0013 8000": "13800138000", "+86-138-0013-8000": "+8613800138000", "0913-4361234": "09134361234"} {
		if got, err := CheckPhone(in); err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"call me", "12345", "1380013800012345678", "138 0013 8000 ext 2"} {
		if _, err := CheckPhone(bad); ErrorCode(err) != EINVALID {
			t.Errorf("%q: %v, want invalid", bad, err)
		}
	}
}

// An order is overdue when not claimed ClaimWithin after publication (or
// reopening), or not done DoneWithin after submission.
func TestOrderRules_Overdue(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	r := OrderRules{}
	o := func(status string, fields ...string) map[string]any {
		p := map[string]any{"status": status, "submitted_at": Stamp(t0)}
		for i := 0; i+1 < len(fields); i += 2 {
			p[fields[i]] = fields[i+1]
		}
		return p
	}
	pub := Stamp(t0.Add(time.Hour))
	cases := []struct {
		name string
		p    map[string]any
		at   time.Duration
		want bool
	}{
		{"published, 23 h", o(StatusPublished, "published_at", pub), 24 * time.Hour, false},
		{"published, 25 h", o(StatusPublished, "published_at", pub), 26 * time.Hour, true},
		{"claimed, 6 days", o(StatusClaimed, "published_at", pub), 6 * 24 * time.Hour, false},
		{"assigned, 8 days", o(StatusAssigned, "published_at", pub), 8 * 24 * time.Hour, true},
		{"reopened a day ago", o(StatusReopened, "published_at", pub, "reopened_at", Stamp(t0.Add(48*time.Hour))), 72*time.Hour + time.Minute, true},
		{"done, 30 days", o(StatusDone, "published_at", pub), 30 * 24 * time.Hour, false},
		{"submitted, 2 days", o(StatusSubmitted), 48 * time.Hour, false},
		{"submitted, 8 days", o(StatusSubmitted), 8 * 24 * time.Hour, true},
	}
	for _, c := range cases {
		if got := r.Overdue(c.p, t0.Add(c.at)); got != c.want {
			t.Errorf("%s: overdue %v, want %v", c.name, got, c.want)
		}
	}
}

// Every action's statuses are ones the catalogue allows, and only the
// submitter's take a code.
func TestOrderActions(t *testing.T) {
	f, _ := NewCatalogue().Field(OrdersLayer, "status")
	for _, a := range OrderActions() {
		for _, s := range append(a.From(), a.To()) {
			if s != "" && !f.Allows(s) {
				t.Errorf("%s: status %q is not the catalogue's", a, s)
			}
		}
		if len(a.From()) == 0 {
			t.Errorf("%s is allowed from no status", a)
		}
		if a.BySubmitter() != (a == ActConfirm || a == ActReopen) {
			t.Errorf("%s: by the submitter %v", a, a.BySubmitter())
		}
		if _, err := ParseOrderAction(string(a)); err != nil {
			t.Error(err)
		}
	}
	if _, err := ParseOrderAction("delete"); ErrorCode(err) != ENOTFOUND {
		t.Errorf("an unknown action: %v", err)
	}
}
