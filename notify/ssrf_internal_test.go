package notify

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestGuardedClientChecksTheDialledAddress: the check runs on the address
// actually dialled, after DNS, whatever the URL said.
func TestGuardedClientChecksTheDialledAddress(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	resp, err := guardedClient(false).Get(srv.URL) // no URL validation: only the dialer stands
	if err == nil {
		resp.Body.Close()
		t.Fatal("the guarded client reached a loopback server")
	}
	if !errors.Is(err, ErrInternalAddress) {
		t.Fatalf("error %v, want ErrInternalAddress", err)
	}
	resp, err = guardedClient(true).Get(srv.URL)
	if err != nil {
		t.Fatalf("allowed: %v", err)
	}
	resp.Body.Close()
}
