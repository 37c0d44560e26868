package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"partymap/internal/geo"
)

// A domain error keeps its code and sentence when its cause is a deadline
// or a cancellation; a bare deadline becomes a 503 saying it took too long.
func TestProblemFor_causes(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantCode   string
	}{
		{name: "outcome unknown after a deadline", err: geo.WrapError(geo.EUNKNOWN, context.DeadlineExceeded, "%s", geo.UnknownOutcomeMessage), wantStatus: http.StatusServiceUnavailable, wantCode: geo.EUNKNOWN},
		{name: "disk full", err: geo.WrapError(geo.EDISKFULL, fmt.Errorf("ERROR: could not extend file (SQLSTATE 53100)"), "%s", geo.DiskFullMessage), wantStatus: http.StatusInsufficientStorage, wantCode: geo.EDISKFULL},
		{name: "a bare deadline", err: fmt.Errorf("query: %w", context.DeadlineExceeded), wantStatus: http.StatusServiceUnavailable, wantCode: geo.EUNAVAILABLE},
		{name: "a bare cancellation", err: context.Canceled, wantStatus: http.StatusServiceUnavailable, wantCode: geo.EUNAVAILABLE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := problemFor(tt.err)
			if p.Status != tt.wantStatus || p.Code != tt.wantCode {
				t.Errorf("problemFor(%v) = %d %s, want %d %s", tt.err, p.Status, p.Code, tt.wantStatus, tt.wantCode)
			}
			if ge, ok := tt.err.(*geo.Error); ok && p.Detail != ge.Message {
				t.Errorf("detail %q, want the error's own sentence %q", p.Detail, ge.Message)
			}
		})
	}
}
