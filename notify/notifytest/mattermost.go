package notifytest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// MattermostPost is a post the test server accepted.
type MattermostPost struct {
	Path        string
	ContentType string
	Text        string
	Raw         []byte
}

// MattermostServer is an incoming-webhook endpoint on loopback: it accepts a
// POST of {"text": "..."} as JSON and nothing else.
type MattermostServer struct {
	URL string // the webhook URL to configure

	srv   *httptest.Server
	mu    sync.Mutex
	posts []MattermostPost
	fail  []int
}

// StartMattermost starts the server; it stops when the test ends.
func StartMattermost(t testing.TB) *MattermostServer {
	t.Helper()
	m := &MattermostServer{}
	m.srv = httptest.NewServer(http.HandlerFunc(m.handle))
	m.URL = m.srv.URL + "/hooks/xyz-secret-key"
	t.Cleanup(m.srv.Close)
	return m
}

// FailNext makes the next posts answer these statuses.
func (m *MattermostServer) FailNext(statuses ...int) {
	m.mu.Lock()
	m.fail = append(m.fail, statuses...)
	m.mu.Unlock()
}

// Posts returns the posts accepted so far.
func (m *MattermostServer) Posts() []MattermostPost {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]MattermostPost(nil), m.posts...)
}

func (m *MattermostServer) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/hooks/xyz-secret-key" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	var body struct {
		Text string `json:"text"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if r.Header.Get("Content-Type") != "application/json" || dec.Decode(&body) != nil || body.Text == "" {
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	m.mu.Lock()
	var fail int
	if len(m.fail) > 0 {
		fail, m.fail = m.fail[0], m.fail[1:]
	}
	if fail == 0 {
		m.posts = append(m.posts, MattermostPost{Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"), Text: body.Text, Raw: raw})
	}
	m.mu.Unlock()
	if fail != 0 {
		http.Error(w, "unavailable", fail)
		return
	}
	_, _ = w.Write([]byte("ok"))
}
