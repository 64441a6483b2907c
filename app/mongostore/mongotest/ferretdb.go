package mongotest

// FerretDB v1.24.2 runs in-process on its SQLite backend, for tests only:
// listening on loopback, with telemetry off (the embedded FerretDB locks it
// off; Start checks the address). Only test files import this package, so
// FerretDB is never in the binary.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// FerretOptions configure FerretDB.
type FerretOptions struct {
	// Dir holds the SQLite files; it is created when missing.
	Dir string
	// Addr is the loopback TCP address to listen on; "127.0.0.1:0" (the
	// default) picks a free port.
	Addr string
	// Logger receives FerretDB's logs. It logs every connection, so give it a
	// quiet one (warnings and above).
	Logger *slog.Logger
}

// Server is a running embedded database.
type Server struct {
	uri    string
	addr   string
	cancel context.CancelFunc
	done   chan struct{}
}

// Start starts FerretDB and returns once it accepts connections.
func Start(ctx context.Context, o FerretOptions) (*Server, error) {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(o.Addr)
	if err != nil {
		return nil, fmt.Errorf("embeddb: address %q: %w", o.Addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("embeddb: address %q is not loopback", o.Addr)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("embeddb: data folder: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("embeddb: data folder: %w", err)
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: o.Addr},
		Handler:   "sqlite",
		SQLiteURL: "file:" + filepath.ToSlash(dir) + "/",
		Logger:    o.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("embeddb: %w", err)
	}
	rctx, cancel := context.WithCancel(context.Background())
	s := &Server{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		_ = f.Run(rctx)
	}()
	// MongoDBURI waits for the listener to be bound.
	s.uri = f.MongoDBURI()
	u := s.uri
	if len(u) > len("mongodb://") {
		s.addr = u[len("mongodb://"):]
		if i := len(s.addr) - 1; i >= 0 && s.addr[i] == '/' {
			s.addr = s.addr[:i]
		}
	}
	if err := waitTCP(ctx, s.addr); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func waitTCP(ctx context.Context, addr string) error {
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c.Close()
		}
		select {
		case <-ctx.Done():
			return errors.Join(fmt.Errorf("embeddb: not listening on %s", addr), err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// URI is the connection string for the MongoDB driver.
func (s *Server) URI() string { return s.uri }

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.addr }

// Stop stops the server and waits until its files are closed.
func (s *Server) Stop() {
	s.cancel()
	<-s.done
}
