package cli

import (
	"context"
	"fmt"
	"io"
	"librecours/app/config"
	"net"
	"net/http"
	"time"
)

// healthcheckTimeout bounds the healthcheck command's request.
const healthcheckTimeout = 5 * time.Second

// healthcheck asks the server listening on LIBRECOURS_ADDR whether it is
// ready (/readyz), for a container's HEALTHCHECK: the image has no shell
// and no curl. It fails unless the answer is 200.
func healthcheck(ctx context.Context, cfg config.Config) error {
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+probeAddr(cfg.Addr)+"/readyz", nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req) // #nosec G107 G704 -- the URL is this machine's LIBRECOURS_ADDR
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: /readyz answered %d %s", resp.StatusCode, body)
	}
	return nil
}

// probeAddr is the address to reach a server listening on addr from this
// machine: a wildcard host becomes the loopback address.
func probeAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return net.JoinHostPort(host, port)
}
