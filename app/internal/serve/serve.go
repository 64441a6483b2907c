// Package serve runs the platform's side listeners (the admin socket, the
// metrics port): an http.Server on a listener, until stopped.
package serve

import (
	"context"
	"net"
	"net/http"
	"time"
)

// Background serves hs on ln until stop is called; stop shuts it down,
// letting the requests in progress finish for up to five seconds, and
// returns once it has stopped.
func Background(hs *http.Server, ln net.Listener) (stop func()) {
	done := make(chan struct{})
	go func() { _ = hs.Serve(ln); close(done) }()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
		<-done
	}
}
