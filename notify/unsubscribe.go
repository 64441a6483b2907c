package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
)

// Unsubscribing from a kind of e-mail in one click (RFC 8058): every mail
// of a kind that can be switched off carries a List-Unsubscribe link whose
// token names the recipient and the kind and is signed with the platform's
// secret (HMAC-SHA256). Whoever holds the link may switch that one kind off
// for that one person, without signing in; nothing else. The token has no
// expiry: mail clients may follow a List-Unsubscribe link long after the
// mail arrived, and the worst a leaked link does is stop one kind of mail,
// which the person can switch on again on the preferences page.

// UnsubscribePath is the path of the one-click unsubscribe route; the token
// follows it.
const UnsubscribePath = "/unsubscribe/"

// MinUnsubscribeKey is the shortest secret that signs unsubscribe tokens.
const MinUnsubscribeKey = 32

// unsubscribeMACLen is the length of the truncated MAC in a token: 128 bits.
const unsubscribeMACLen = 16

// UnsubscribeToken is the signed token that switches kind off for userID.
// It reads kind.userID.mac; user IDs are the stores' hex IDs, escaped
// otherwise so the token stays one path segment.
func UnsubscribeToken(key []byte, userID string, kind Kind) string {
	return string(kind) + "." + base64.RawURLEncoding.EncodeToString([]byte(userID)) + "." + unsubscribeMAC(key, userID, kind)
}

func unsubscribeMAC(key []byte, userID string, kind Kind) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("librecours/unsubscribe|" + string(kind) + "|" + userID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:unsubscribeMACLen])
}

// ParseUnsubscribeToken checks token against key and returns the person
// and the kind it names. Any flaw (shape, unknown kind, signature) is
// ErrNotFound: a bad link is a page that does not exist.
func ParseUnsubscribeToken(key []byte, token string) (string, Kind, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || len(key) < MinUnsubscribeKey {
		return "", "", ErrNotFound
	}
	kind, ok := ParseKind(parts[0])
	if !ok {
		return "", "", ErrNotFound
	}
	uid, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || len(uid) == 0 {
		return "", "", ErrNotFound
	}
	if !hmac.Equal([]byte(parts[2]), []byte(unsubscribeMAC(key, string(uid), kind))) {
		return "", "", ErrNotFound
	}
	return string(uid), kind, nil
}

// UnsubscribeURL is the one-click link of kind for userID, or "" for the
// account e-mails, which cannot be switched off.
func (r Renderer) UnsubscribeURL(key []byte, userID string, kind Kind) string {
	if _, ok := ParseKind(string(kind)); !ok || len(key) < MinUnsubscribeKey {
		return ""
	}
	return r.link(UnsubscribePath + UnsubscribeToken(key, userID, kind))
}

// Unsubscribe switches kind off for userID: what a valid unsubscribe token
// allows, with no one signed in. Other kinds keep their setting.
func (o *Outbox) Unsubscribe(ctx context.Context, userID string, kind Kind) (Prefs, error) {
	if _, ok := ParseKind(string(kind)); !ok || userID == "" {
		return Prefs{}, fmt.Errorf("notify: unsubscribe %q from %q: %w", userID, kind, errBadMessage)
	}
	cur, err := o.Store.Prefs(ctx, userID)
	if err != nil {
		return Prefs{}, err
	}
	p := PrefsFrom(cur, map[Kind]bool{kind: false})
	if err := o.Store.SetPrefs(ctx, userID, p); err != nil {
		return Prefs{}, err
	}
	return p, nil
}
