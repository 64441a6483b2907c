package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"

	"librecours/course"
)

// settingReviewIDKey names the secret that keys review IDs (grading.Service.IDKey).
const settingReviewIDKey = "grading.review_id_key"

// settingSecret is a random secret made on first use and kept in the
// settings, so every instance uses the same; read once, then cached.
type settingSecret struct {
	settings course.SettingsStore
	name     string
	mu       sync.Mutex
	key      []byte
}

// Key returns the secret, making and storing it the first time.
func (k *settingSecret) Key(ctx context.Context) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.key != nil {
		return k.key, nil
	}
	var v struct{ Key []byte }
	err := k.settings.Get(ctx, k.name, &v)
	if errors.Is(err, course.ErrNotFound) {
		v.Key = make([]byte, 32)
		if _, err := rand.Read(v.Key); err != nil {
			return nil, fmt.Errorf("app: secret %s: %w", k.name, err)
		}
		if err := k.settings.Put(ctx, k.name, v); err != nil {
			return nil, err
		}
		err = k.settings.Get(ctx, k.name, &v) // another instance may have written first
	}
	if err != nil {
		return nil, err
	}
	k.key = v.Key
	return v.Key, nil
}
