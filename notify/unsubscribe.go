package notify

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
)

// Unsubscribing from a kind of e-mail in one click (RFC 8058): every mail
// of a kind that can be switched off carries a List-Unsubscribe link whose
// token names the kind and carries the recipient sealed (encrypted and
// authenticated) under the platform's secret. Whoever holds the link may switch that one kind off
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

// UnsubscribeToken is the sealed token that switches kind off for userID:
// kind.SEALED, where SEALED is the user ID encrypted and authenticated
// (AES-256-GCM under a key derived from the secret, additional data the
// kind, nonce derived from kind and person so a person's link for a kind is
// always the same), so the link in the mail header names no one (issue #12:
// no user ID in any mail header).
func UnsubscribeToken(key []byte, userID string, kind Kind) string {
	aead := unsubscribeAEAD(key)
	m := hmac.New(sha256.New, key)
	m.Write([]byte("librecours/unsubscribe-nonce|" + string(kind) + "|" + userID))
	nonce := m.Sum(nil)[:aead.NonceSize()]
	sealed := aead.Seal(nonce, nonce, []byte(userID), []byte(kind))
	return string(kind) + "." + base64.RawURLEncoding.EncodeToString(sealed)
}

// unsubscribeAEAD is the cipher that seals user IDs in tokens.
func unsubscribeAEAD(key []byte) cipher.AEAD {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("librecours/unsubscribe-seal"))
	block, err := aes.NewCipher(m.Sum(nil)) // 32 bytes: AES-256
	if err != nil {
		panic(err) // unreachable: the key length is fixed
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err) // unreachable: AES has a 16-byte block
	}
	return aead
}

func unsubscribeMAC(key []byte, userID string, kind Kind) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("librecours/unsubscribe|" + string(kind) + "|" + userID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:unsubscribeMACLen])
}

// ParseUnsubscribeToken checks token against key and returns the person
// and the kind it names. It also reads the earlier signed form
// kind.USERID.MAC of links already sent. Any flaw (shape, unknown kind,
// signature) is ErrNotFound: a bad link is a page that does not exist.
func ParseUnsubscribeToken(key []byte, token string) (string, Kind, error) {
	parts := strings.Split(token, ".")
	if len(parts) < 2 || len(parts) > 3 || len(key) < MinUnsubscribeKey {
		return "", "", ErrNotFound
	}
	kind, ok := ParseKind(parts[0])
	if !ok {
		return "", "", ErrNotFound
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || len(raw) == 0 {
		return "", "", ErrNotFound
	}
	if len(parts) == 2 {
		aead := unsubscribeAEAD(key)
		if len(raw) <= aead.NonceSize() {
			return "", "", ErrNotFound
		}
		uid, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(kind))
		if err != nil || len(uid) == 0 {
			return "", "", ErrNotFound
		}
		return string(uid), kind, nil
	}
	if !hmac.Equal([]byte(parts[2]), []byte(unsubscribeMAC(key, string(raw), kind))) {
		return "", "", ErrNotFound
	}
	return string(raw), kind, nil
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
