package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"librecours/app/password"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"librecours/course"
	"librecours/notify"
)

// Sign-in throttling. Every attempt is counted per key before its password
// is checked, atomically in the database, so parallel guesses cannot
// overtake the count. The first attempts of a window are free; after them
// each attempt must come a delay after the previous one, a delay that
// doubles with every attempt counted (refused ones included) up to
// throttleMaxDelay. Nothing locks an account: the right password from a
// known device (the signed lc_device cookie of an earlier sign-in) is
// counted on that device's own key.
const (
	throttleWindow     = time.Hour
	throttlePerAccount = 5  // free attempts per account, and per known device
	throttlePerIP      = 30 // free attempts per client address (an IPv6 /64)
	throttleFirstDelay = 2 * time.Second
	throttleMaxDelay   = 15 * time.Minute

	registerWindow = time.Hour
	registerPerIP  = 10 // registrations per client address and window

	deviceCookieTTL = 180 * 24 * time.Hour
	cookieDevice    = "lc_device"
)

// throttled is a refusal for going too fast; After goes in Retry-After.
type throttled struct {
	After time.Duration
	Key   string // message ID; app.error.too_many_attempts when ""
}

func (t *throttled) Error() string { return "app: throttled for " + t.After.String() }
func (t *throttled) Unwrap() error { return course.ErrTooManyAttempts }

// errBusy: every core is checking a password and none freed in time.
var errBusy = &httpError{Status: http.StatusServiceUnavailable, Code: "busy", Key: "app.error.busy"}

// setRetryAfter tells a throttled or busy client when to come back.
func setRetryAfter(c *fiber.Ctx, err error) {
	var t *throttled
	switch {
	case errors.As(err, &t):
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(1, int(math.Ceil(t.After.Seconds())))))
	case errors.Is(err, errBusy):
		c.Set(fiber.HeaderRetryAfter, "1")
	}
}

// checkPassword checks pw against hash in a password slot
// (password.Limiter.Check; a malformed hash matches nothing): errBusy when
// no slot freed in time.
func (s *Server) checkPassword(ctx context.Context, hash, pw string) (bool, error) {
	ok, err := s.passwords.Check(ctx, hash, pw)
	if errors.Is(err, password.ErrBusy) {
		return false, errBusy
	}
	return ok, err
}

// throttleKey is one counter an attempt is counted on. When credit is
// set, its count (in the window) adds to the free attempts.
type throttleKey struct {
	key    string
	free   int
	credit string
}

// throttleDelay is the delay an attempt counted n-th must keep after the
// previous one: none for the free ones, then doubling.
func throttleDelay(n, free int) time.Duration {
	if n <= free {
		return 0
	}
	shift := n - free - 1
	if shift >= 20 {
		return throttleMaxDelay
	}
	return min(throttleFirstDelay<<shift, throttleMaxDelay)
}

// attempt counts one attempt on each key, then refuses it if it comes too
// soon after the previous one. The gate key of a counter restarts (count
// 1) only once its delay has passed since the last attempt let through.
func (s *Server) attempt(ctx context.Context, keys []throttleKey) error {
	var wait time.Duration
	for _, k := range keys {
		free := k.free
		if k.credit != "" {
			c, err := s.auth.Counted(ctx, k.credit, throttleWindow)
			if err != nil {
				return err
			}
			free += c
		}
		n, err := s.auth.Count(ctx, k.key, throttleWindow)
		if err != nil {
			return err
		}
		d := throttleDelay(n, free)
		g, err := s.auth.Count(ctx, "gate:"+k.key, d)
		if err != nil {
			return err
		}
		if d > 0 && g > 1 {
			wait = max(wait, d)
		}
	}
	if wait > 0 {
		return &throttled{After: wait}
	}
	return nil
}

// forgetAttempts resets keys after a success.
func (s *Server) forgetAttempts(ctx context.Context, keys ...string) error {
	for _, k := range keys {
		if err := s.auth.Forget(ctx, k, "gate:"+k); err != nil {
			return err
		}
	}
	return nil
}

// signIn checks credentials. The attempt is counted first: on the known
// device's key when the request carries a valid device cookie for that
// account, otherwise on the account's and the client address's keys.
// The password is then checked in an argon slot (an unknown address is
// checked against a dummy hash, so both take as long).
func (s *Server) signIn(c *fiber.Ctx, email, pw string) (*course.User, error) {
	ctx := c.UserContext()
	email = course.NormalizeEmail(email)
	u, err := s.auth.Account(ctx, email)
	if err != nil && !errors.Is(err, course.ErrNotFound) {
		return nil, err
	}
	ip := s.clientKey(c)
	keys := []throttleKey{{key: "email:" + email, free: throttlePerAccount}, {key: "ip:" + ip, free: throttlePerIP, credit: "ipok:" + ip}}
	if u != nil && !isAPI(c) {
		if dev, ok := s.knownDevice(ctx, c, u); ok {
			keys = []throttleKey{{key: "device:" + dev, free: throttlePerAccount}}
		}
	}
	if err := s.attempt(ctx, keys); err != nil {
		return nil, err
	}
	hash := s.passwords.Dummy()
	if u != nil {
		hash = u.PasswordHash
	}
	ok, err := s.checkPassword(ctx, hash, pw)
	if err != nil {
		return nil, err
	}
	if u == nil || !ok {
		return nil, course.ErrBadCredentials
	}
	// The account's counter starts again. The client address's does not
	// (one's own account must not wipe the guesses at others), but each
	// account signed in from it adds one free attempt: a classroom behind
	// one address signs in, an attacker with one account gains one.
	if err := s.forgetAttempts(ctx, keys[0].key); err != nil {
		return nil, err
	}
	if first, err := s.auth.Count(ctx, "ipok:"+ip+"|"+u.ID, throttleWindow); err != nil {
		return nil, err
	} else if first == 1 {
		if _, err := s.auth.Count(ctx, "ipok:"+ip, throttleWindow); err != nil {
			return nil, err
		}
	}
	if !isAPI(c) {
		if err := s.rememberDevice(ctx, c, u); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// key returns the secret that signs device cookies, made once and kept in
// the settings (all instances share it).
func (s *Server) deviceSecret(ctx context.Context) ([]byte, error) {
	return s.secrets.Key(ctx, course.SecretDevices)
}

// deviceMAC signs a device cookie's fields.
func deviceMAC(key []byte, device, userID, issued string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("lc_device|" + device + "|" + userID + "|" + issued))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// knownDevice returns the device ID of a valid device cookie for u.
func (s *Server) knownDevice(ctx context.Context, c *fiber.Ctx, u *course.User) (string, bool) {
	parts := strings.Split(s.cookie(c, cookieDevice), ".")
	if len(parts) != 4 || len(parts[0]) < 16 {
		return "", false
	}
	issued, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || parts[1] != u.ID || s.now().Sub(time.Unix(issued, 0)) > deviceCookieTTL {
		return "", false
	}
	key, err := s.deviceSecret(ctx)
	if err != nil {
		s.log.Warn("device key", "err", err)
		return "", false
	}
	if !hmac.Equal([]byte(parts[3]), []byte(deviceMAC(key, parts[0], parts[1], parts[2]))) {
		return "", false
	}
	return parts[0], true
}

// rememberDevice sets (or renews) the device cookie after a sign-in: the
// device keeps its ID, so its attempts stay on one counter.
func (s *Server) rememberDevice(ctx context.Context, c *fiber.Ctx, u *course.User) error {
	key, err := s.deviceSecret(ctx)
	if err != nil {
		return err
	}
	dev, ok := s.knownDevice(ctx, c, u)
	if !ok {
		dev = course.NewToken()[:22]
	}
	issued := strconv.FormatInt(s.now().Unix(), 10)
	s.setCookie(c, cookieDevice, dev+"."+u.ID+"."+issued+"."+deviceMAC(key, dev, u.ID, issued), deviceCookieTTL)
	return nil
}

// register handles a self-registration: rate-limited per client address,
// and answered the same way whether the address is new or has an account
// (the caller says "check your mail"). A new account gets a mail saying it
// is ready; the owner of an existing one a mail saying to sign in.
func (s *Server) register(c *fiber.Ctx, n course.NewUser) error {
	ctx := c.UserContext()
	if !s.cfg.SelfRegistration {
		return course.ErrRegistrationOff
	}
	// Only well-formed registrations are counted: the others create
	// nothing, send nothing and tell nothing.
	valid := n
	if err := valid.Validate(); err != nil {
		return err
	}
	count, err := s.auth.Count(ctx, "register:"+s.clientKey(c), registerWindow)
	if err != nil {
		return err
	}
	if count > registerPerIP {
		return &throttled{After: registerWindow, Key: "app.error.too_many_registrations"}
	}
	u, err := s.course.Register(ctx, n)
	kind := notify.KindAccountCreated
	if errors.Is(err, course.ErrEmailTaken) {
		kind = notify.KindAccountExists
		u, err = s.auth.Account(ctx, n.Email)
	}
	if err != nil {
		return err
	}
	_, err = s.outbox.Email(ctx, kind, u.ID, notify.Event{Key: string(kind)})
	return err
}
