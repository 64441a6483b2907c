// Package password hashes and checks passwords with argon2id, at most one
// check per core at once, and knows the common passwords the rules refuse.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"librecours/assets"
	"librecours/course"
)

// Argon2id parameters: OWASP's first recommendation (19 MiB, 2 passes, 1 lane).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

var errBadHash = errors.New("password: malformed hash")

// Params are argon2id's cost parameters: memory in KiB, passes, lanes.
type Params struct {
	Memory  uint32
	Time    uint32
	Threads uint8
}

// Default is OWASP's first recommendation, which every stored hash the
// platform makes uses. (Check reads the parameters from the hash itself.)
var Default = Params{Memory: argonMemory, Time: argonTime, Threads: argonThreads}

// Hash returns an argon2id hash of password in the PHC string format,
// with the Default parameters.
func Hash(password string) (string, error) { return HashWith(Default, password) }

// HashWith is Hash with other parameters: tests use cheap ones, since
// thousands of accounts at 19 MiB and two passes each would be most of
// their time; Check reads a hash's parameters from the hash.
func HashWith(p Params, password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Check reports whether password matches the PHC-format hash, in
// constant time with respect to the key.
func Check(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<20 || t > 16 {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want))) // #nosec G115 -- the key length comes from a stored hash (32 bytes), far below 2^32
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// DummyHash is checked against when an account does not exist, so that a
// sign-in takes as long for an unknown e-mail as for a wrong password.
const DummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0V0rR4q8gdGb3v0sWv1l8H2r0aQ0+4C7E1TtR0Bq9iA"

// Common is the set of the 10,000 most common passwords and the
// French supplement, each in lower case and folded (course.FoldPassword).
type Common map[string]struct{}

// commonBaseMin is the shortest word looked for once the digits and symbols
// around a password are removed: "abc" in "abc-98765432" is not a guess.
const commonBaseMin = 4

// LoadCommon reads the embedded lists.
func LoadCommon() (Common, error) {
	set := make(Common, 20000)
	for _, read := range []func() ([]byte, error){assets.CommonPasswords, assets.CommonPasswordsFR} {
		b, err := read()
		if err != nil {
			return nil, err
		}
		for _, line := range strings.Split(string(b), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				set[strings.ToLower(line)] = struct{}{}
				if f := course.FoldPassword(line); f != "" {
					set[f] = struct{}{}
				}
			}
		}
	}
	return set, nil
}

// Has reports whether password is on the list: as typed in any case, once
// folded (P@ssw0rd), or once the digits and symbols around it are removed
// (Soleil123!, Motdepasse1).
func (c Common) Has(password string) bool {
	candidates := []string{strings.ToLower(strings.TrimSpace(password)), course.FoldPassword(password)}
	if base := course.PasswordBase(password); utf8.RuneCountInString(base) >= commonBaseMin {
		candidates = append(candidates, base, course.FoldPassword(base))
	}
	for _, p := range candidates {
		if _, ok := c[p]; ok && p != "" {
			return true
		}
	}
	return false
}

// ErrBusy: every slot is taken by a hash or a check, and none freed within
// Limiter.Wait.
var ErrBusy = errors.New("password: every core is busy checking passwords")

// Limiter runs argon2 work (about 19 MiB and 50 ms of a core each) when a
// slot is free: at most one per core at once, so a flood of sign-ins cannot
// take the memory or the cores of every other request.
type Limiter struct {
	Slots chan struct{}
	Wait  time.Duration // how long a call waits for a free slot
	// Params of the hashes it makes: Default when zero.
	Params Params

	dummyOnce sync.Once
	dummy     string
}

// Dummy is a hash nobody matches, made with the Limiter's parameters: an
// unknown address is checked against it, so that its sign-in takes as long
// as a wrong password's.
func (l *Limiter) Dummy() string {
	if l.Params == (Params{}) || l.Params == Default {
		return DummyHash
	}
	l.dummyOnce.Do(func() {
		h, err := HashWith(l.Params, dummySecret())
		if err != nil {
			h = DummyHash
		}
		l.dummy = h
	})
	return l.dummy
}

// dummySecret is a random password nobody knows.
func dummySecret() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawStdEncoding.EncodeToString(b)
}

// NewLimiter has a slot per core and waits up to wait for one.
func NewLimiter(wait time.Duration) *Limiter {
	return &Limiter{Slots: make(chan struct{}, runtime.GOMAXPROCS(0)), Wait: wait}
}

// Do runs f in a slot, or returns ErrBusy (or ctx's error) without running it.
func (l *Limiter) Do(ctx context.Context, f func()) error {
	select {
	case l.Slots <- struct{}{}:
	default:
		t := time.NewTimer(l.Wait)
		defer t.Stop()
		select {
		case l.Slots <- struct{}{}:
		case <-t.C:
			return ErrBusy
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer func() { <-l.Slots }()
	f()
	return nil
}

// Hash is Hash in a slot (the course service's hasher).
func (l *Limiter) Hash(password string) (hash string, err error) {
	p := l.Params
	if p == (Params{}) {
		p = Default
	}
	if serr := l.Do(context.Background(), func() { hash, err = HashWith(p, password) }); serr != nil {
		return "", serr
	}
	return hash, err
}

// Check is Check in a slot; a malformed hash matches nothing.
func (l *Limiter) Check(ctx context.Context, hash, password string) (ok bool, err error) {
	if err := l.Do(ctx, func() { ok, _ = Check(hash, password) }); err != nil {
		return false, err
	}
	return ok, nil
}

// DefaultWait is how long a password check waits for a free core before
// the request gets 503.
const DefaultWait = 2 * time.Second
