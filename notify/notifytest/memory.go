// Package notifytest holds what tests of notifications need: an in-memory
// outbox, an SMTP server and a Mattermost server speaking their protocols on
// loopback, and the scenarios every notify.Store must pass.
package notifytest

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	"librecours/notify"
)

// Memory is an in-memory notify.Store.
type Memory struct {
	mu    sync.Mutex
	msgs  map[string]*notify.Message
	prefs map[string]notify.Prefs
	hooks map[string]*notify.Hook
}

var _ notify.Store = (*Memory)(nil)

// NewMemory returns an empty store.
func NewMemory() *Memory {
	return &Memory{msgs: map[string]*notify.Message{}, prefs: map[string]notify.Prefs{}, hooks: map[string]*notify.Hook{}}
}

func clone(m *notify.Message) *notify.Message {
	c := *m
	c.Events = slices.Clone(m.Events)
	return &c
}

// Add implements notify.Store.
func (s *Memory) Add(_ context.Context, m notify.Message) (notify.AddResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.msgs[m.ID]
	if !ok {
		s.msgs[m.ID] = clone(&m)
		return notify.Queued, nil
	}
	if cur.Status != notify.StatusPending || len(m.Events) == 0 ||
		slices.ContainsFunc(cur.Events, func(e notify.Event) bool { return e.Key == m.Events[0].Key }) {
		return notify.Dropped, nil
	}
	cur.Events = append(cur.Events, m.Events[0])
	cur.UpdatedAt = m.UpdatedAt
	return notify.Merged, nil
}

// Claim implements notify.Store.
func (s *Memory) Claim(_ context.Context, now, leaseUntil time.Time) (*notify.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var due []*notify.Message
	for _, m := range s.msgs {
		if (m.Status == notify.StatusPending && !m.NextAt.After(now)) || (m.Status == notify.StatusSending && m.LeaseUntil.Before(now)) {
			due = append(due, m)
		}
	}
	if len(due) == 0 {
		return nil, notify.ErrNothingDue
	}
	sort.Slice(due, func(i, j int) bool {
		if !due[i].NextAt.Equal(due[j].NextAt) {
			return due[i].NextAt.Before(due[j].NextAt)
		}
		return due[i].ID < due[j].ID
	})
	m := due[0]
	m.Status, m.LeaseUntil, m.Attempts, m.UpdatedAt = notify.StatusSending, leaseUntil, m.Attempts+1, now
	return clone(m), nil
}

// Finish implements notify.Store.
func (s *Memory) Finish(_ context.Context, id string, attempt int, o notify.Outcome) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.msgs[id]
	if !ok || m.Status != notify.StatusSending || m.Attempts != attempt {
		return false, nil
	}
	m.Status, m.LastError, m.UpdatedAt, m.LeaseUntil = o.Status, o.Error, o.At, time.Time{}
	if o.Status == notify.StatusPending {
		m.NextAt = o.NextAt
	}
	return true, nil
}

// Message implements notify.Store.
func (s *Memory) Message(_ context.Context, id string) (*notify.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.msgs[id]
	if !ok {
		return nil, notify.ErrNotFound
	}
	return clone(m), nil
}

// Purge implements notify.Store.
func (s *Memory) Purge(_ context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, m := range s.msgs {
		if (m.Status == notify.StatusSent || m.Status == notify.StatusFailed) && m.UpdatedAt.Before(before) {
			delete(s.msgs, id)
			n++
		}
	}
	return n, nil
}

// Prefs implements notify.Store.
func (s *Memory) Prefs(_ context.Context, userID string) (notify.Prefs, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.prefs[userID]
	p.Off = slices.Clone(p.Off)
	return p, nil
}

// SetPrefs implements notify.Store.
func (s *Memory) SetPrefs(_ context.Context, userID string, p notify.Prefs) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prefs[userID] = notify.Prefs{Off: slices.Clone(p.Off)}
	return nil
}

func (s *Memory) hook(sessionID string) *notify.Hook {
	h, ok := s.hooks[sessionID]
	if !ok {
		h = &notify.Hook{SessionID: sessionID}
		s.hooks[sessionID] = h
	}
	return h
}

// Hook implements notify.Store.
func (s *Memory) Hook(_ context.Context, sessionID string) (notify.Hook, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.hooks[sessionID]
	if !ok {
		return notify.Hook{SessionID: sessionID}, nil
	}
	c := *h
	c.Reminded = slices.Clone(h.Reminded)
	return c, nil
}

// SetWebhook implements notify.Store.
func (s *Memory) SetWebhook(_ context.Context, sessionID, url string, threshold int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hook(sessionID)
	h.URL, h.Threshold = url, threshold
	return nil
}

// SetQueueAlerted implements notify.Store.
func (s *Memory) SetQueueAlerted(_ context.Context, sessionID string, alerted bool) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hook(sessionID)
	if h.QueueAlerted == alerted {
		return false, nil
	}
	h.QueueAlerted = alerted
	return true, nil
}

// MarkReminded implements notify.Store.
func (s *Memory) MarkReminded(_ context.Context, sessionID, key string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hook(sessionID)
	if slices.Contains(h.Reminded, key) {
		return false, nil
	}
	h.Reminded = append(h.Reminded, key)
	return true, nil
}

// Messages returns every message, by ID (tests look inside).
func (s *Memory) Messages() []*notify.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*notify.Message, 0, len(s.msgs))
	for _, m := range s.msgs {
		out = append(out, clone(m))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
