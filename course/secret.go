package course

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
)

// Names of the platform's secrets (Secrets.Key): where each is kept in the
// settings, not the secrets themselves.
const (
	SecretReviewIDs   = "grading.review_id_key"  // #nosec G101 -- a setting's name: keys review IDs (grading.Service.IDKey)
	SecretDevices     = "auth.device_key"        // #nosec G101 -- a setting's name: signs known-device cookies
	SecretUnsubscribe = "notify.unsubscribe_key" // #nosec G101 -- a setting's name: signs one-click unsubscribe links
)

// Secrets are random keys made on first use and kept in the settings, so
// every instance of the platform uses the same ones; each is read once,
// then kept in memory (a key never changes once stored).
type Secrets struct {
	Settings SettingsStore

	mu   sync.Mutex
	keys map[string][]byte
}

// Key returns the 32-byte secret called name, making and storing it the
// first time. Two instances racing to make it both end with the one
// stored first.
func (s *Secrets) Key(ctx context.Context, name string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.keys[name]; ok {
		return k, nil
	}
	var v struct{ Key []byte }
	err := s.Settings.Get(ctx, name, &v)
	if errors.Is(err, ErrNotFound) {
		v.Key = make([]byte, 32)
		if _, err := rand.Read(v.Key); err != nil {
			return nil, fmt.Errorf("course: secret %s: %w", name, err)
		}
		if err := s.Settings.Put(ctx, name, v); err != nil {
			return nil, err
		}
		err = s.Settings.Get(ctx, name, &v) // another instance may have written first
	}
	if err != nil {
		return nil, err
	}
	if len(v.Key) < 32 {
		return nil, fmt.Errorf("course: secret %s is %d bytes, want 32", name, len(v.Key))
	}
	if s.keys == nil {
		s.keys = map[string][]byte{}
	}
	s.keys[name] = v.Key
	return v.Key, nil
}

// KeyFunc is Key bound to one name (grading.Service.IDKey's shape).
func (s *Secrets) KeyFunc(name string) func(context.Context) ([]byte, error) {
	return func(ctx context.Context) ([]byte, error) { return s.Key(ctx, name) }
}
