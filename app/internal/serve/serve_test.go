package serve

import (
	"io"
	"net"
	"net/http"
	"testing"
)

func TestBackground(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stop := Background(&http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })}, ln)
	resp, err := http.Get("http://" + ln.Addr().String()) // #nosec G107 -- the test's own listener
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if string(body) != "ok" {
		t.Fatalf("served %q", body)
	}
	stop()
	if _, err := http.Get("http://" + ln.Addr().String()); err == nil { // #nosec G107 -- the test's own listener
		t.Fatal("still serving after stop")
	}
}
