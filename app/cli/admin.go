package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	listener "librecours/app/internal/serve"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"librecours/app"
	"librecours/app/config"
	"librecours/app/sqlstore"
	"librecours/app/store"
	"librecours/course"
)

// The admin socket lets commands run beside a server that holds the embedded
// store's folder (backup, user add, certificates rotate-key): the command
// asks the server, which does the work on its own open database. It is a Unix
// socket inside the data folder, mode 0600, so only the account that runs the
// server can use it; the server listens on no other port than its HTTP one.

// adminSocketName is the socket's name inside the data folder.
const adminSocketName = "admin.sock"

func adminSocket(cfg config.Config) string { return filepath.Join(cfg.DataDir, adminSocketName) }

// maxSocketPath is the longest path a Unix socket address holds (sun_path
// is 108 bytes on Linux, with its final NUL; a little is kept in hand).
const maxSocketPath = 100

// socketAddr returns the address by which to listen on or dial the socket
// at path: the path itself, or, when it is too long for a socket address
// (a data folder deep in a volume), the same file reached through an open
// descriptor of its folder, /proc/self/fd/N/admin.sock. release closes that
// descriptor once the socket is no longer listened on or dialled.
func socketAddr(path string) (addr string, release func(), err error) {
	if len(path) <= maxSocketPath {
		return path, func() {}, nil
	}
	dir, err := os.Open(filepath.Dir(path)) // #nosec G304 -- the operator's data folder
	if err != nil {
		return "", nil, err
	}
	return fmt.Sprintf("/proc/self/fd/%d/%s", dir.Fd(), filepath.Base(path)), func() { _ = dir.Close() }, nil
}

// errNoServer says that no running server answered on the admin socket.
var errNoServer = errors.New("no server answers on the admin socket")

// errServerStopped says that the server took a command's request on the
// admin socket, then went away without an answer.
var errServerStopped = errors.New("the running server stopped before it answered")

// adminUser is the body of POST /users.
type adminUser struct {
	Email    string        `json:"email"`
	Name     string        `json:"name"`
	Password string        `json:"password"`
	Roles    []course.Role `json:"roles"`
}

// adminError is the body of a failed admin call.
type adminError struct {
	Error string `json:"error"`
}

// admin answers the admin socket with the platform's services.
type admin struct{ p *app.Platform }

// createdUser is the answer to POST /users.
type createdUser struct {
	ID    string        `json:"id"`
	Email string        `json:"email"`
	Name  string        `json:"name"`
	Roles []course.Role `json:"roles"`
}

// listenAdmin serves the admin socket until the returned stop is called.
func listenAdmin(p *app.Platform, path string) (stop func(), err error) {
	s := admin{p}
	_ = os.Remove(path) // a socket left by a crash; the folder lock says we own it
	addr, release, err := socketAddr(path)
	if err != nil {
		return nil, fmt.Errorf("admin socket %s: %w", path, err)
	}
	ln, err := net.Listen("unix", addr)
	if err != nil {
		release()
		return nil, fmt.Errorf("admin socket %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		_ = ln.Close()
		release()
		return nil, fmt.Errorf("admin socket %s: %w", path, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /backup", s.adminBackup)
	mux.HandleFunc("POST /users", s.adminUserAdd)
	mux.HandleFunc("POST /rotate-key", s.adminRotateKey)
	stopServing := listener.Background(&http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, ln)
	return func() {
		stopServing()
		_ = os.Remove(path)
		release()
	}, nil
}

func adminReply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s admin) fail(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	var ve *course.ValidationError
	switch {
	case errors.As(err, &ve):
		err = s.p.Explain(err)
		status = http.StatusUnprocessableEntity
	case errors.Is(err, course.ErrEmailTaken):
		status = http.StatusConflict
	case s.p.Store.Unavailable(err):
		status = http.StatusServiceUnavailable
	}
	adminReply(w, status, adminError{Error: err.Error()})
}

func (s admin) adminBackup(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Dir string `json:"dir"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in); err != nil || !filepath.IsAbs(in.Dir) {
		adminReply(w, http.StatusBadRequest, adminError{Error: "give an absolute folder"})
		return
	}
	m, err := store.Backup(r.Context(), s.p.Store, in.Dir, time.Now())
	if err != nil {
		s.fail(w, err)
		return
	}
	adminReply(w, http.StatusOK, m)
}

func (s admin) adminUserAdd(w http.ResponseWriter, r *http.Request) {
	var in adminUser
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in); err != nil {
		adminReply(w, http.StatusBadRequest, adminError{Error: err.Error()})
		return
	}
	u, err := s.p.Course.Bootstrap(r.Context(), course.NewUser{Email: in.Email, Name: in.Name, Password: in.Password, Roles: in.Roles})
	if err != nil {
		s.fail(w, err)
		return
	}
	adminReply(w, http.StatusCreated, createdUser{ID: u.ID, Email: u.Email, Name: u.Name, Roles: u.Roles})
}

func (s admin) adminRotateKey(w http.ResponseWriter, r *http.Request) {
	k, err := s.p.Certificates.RotateKey(r.Context())
	if err != nil {
		s.fail(w, err)
		return
	}
	adminReply(w, http.StatusOK, map[string]string{"kid": k.KID})
}

// adminCall posts in to the running server's admin socket and decodes its
// answer into out; errNoServer when nothing listens there.
func adminCall(ctx context.Context, cfg config.Config, path string, in, out any) error {
	sock := adminSocket(cfg)
	addr, release, err := socketAddr(sock)
	if err != nil {
		return fmt.Errorf("%w (%s): %w", errNoServer, sock, err)
	}
	defer release()
	dialed := false
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			c, err := d.DialContext(ctx, "unix", addr)
			dialed = dialed || err == nil
			return c, err
		},
	}}
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://librecours"+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil && dialed {
		// It took the request, then went away (stopped, killed): the work
		// may have begun.
		return fmt.Errorf("%w (%s): %w", errServerStopped, sock, err)
	}
	if err != nil {
		return fmt.Errorf("%w (%s): %w", errNoServer, sock, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode >= 300 {
		var e adminError
		_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&e)
		return fmt.Errorf("the running server answered: %s", e.Error)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// onPlatform runs direct on the store, or, when a running server holds the
// embedded store's folder, runs viaServer through its admin socket (nil:
// the command cannot run beside a server and is refused).
func onPlatform(ctx context.Context, cfg config.Config, holder string, direct func(p *app.Platform) error, viaServer func() error) error {
	p, err := app.Open(ctx, cfg, discardLogger(), app.Options{Holder: holder})
	var locked *sqlstore.LockedError
	if errors.As(err, &locked) {
		if viaServer == nil {
			h := locked.Holder
			if h == "" {
				h = "another process"
			}
			return fmt.Errorf("%s: the data folder %s is in use by %s; stop it first (%s runs only on a folder no server holds)", holder, locked.Dir, h, holder)
		}
		if err := viaServer(); !errors.Is(err, errNoServer) {
			return err
		}
		return fmt.Errorf("%s: %w, and it does not answer on %s", holder, err, adminSocket(cfg))
	}
	if err != nil {
		return err
	}
	defer p.Close()
	return direct(p)
}
