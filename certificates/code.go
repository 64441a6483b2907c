package certificates

import (
	"crypto/rand"
	"fmt"
	"io"
	"strings"
)

// Certificate codes look like LC3-7K2Q-M9XD-4TPA-Q8ZC: a prefix naming the
// session format (LC3 for LCIII, LC6 for LCVI) and 16 Crockford base32
// characters carrying 80 random bits, in groups of four. They are what the
// QR code and the verification URL carry, so they must not be guessable.
const (
	codeChars    = 16 // 16 × 5 bits = 80 random bits
	codeBytes    = codeChars * 5 / 8
	codeGroup    = 4
	crockford    = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	codeLength   = 3 + codeChars + codeChars/codeGroup // "LC3" and a dash before each group
	formatLCIII  = "LCIII"
	formatLCVI   = "LCVI"
	prefixLCIII  = "LC3"
	prefixLCVI   = "LC6"
	keyBadFormat = "certificates.code.unknown_format"
)

// CodePrefix returns the code prefix of a session format: "LC3" for
// "LCIII", "LC6" for "LCVI". Other formats give a *ValidationError.
func CodePrefix(format string) (string, error) {
	switch format {
	case formatLCIII:
		return prefixLCIII, nil
	case formatLCVI:
		return prefixLCVI, nil
	}
	return "", invalid("format", keyBadFormat)
}

// NewCode returns a new certificate code for a session of format ("LCIII" or
// "LCVI"), reading 80 bits from random; a nil random means crypto/rand.
// Uniqueness is the store's job: 80 random bits make a collision
// practically impossible, but a unique index should still guard it.
func NewCode(format string, random io.Reader) (string, error) {
	prefix, err := CodePrefix(format)
	if err != nil {
		return "", err
	}
	if random == nil {
		random = rand.Reader
	}
	var buf [codeBytes]byte
	if _, err := io.ReadFull(random, buf[:]); err != nil {
		return "", fmt.Errorf("certificates: read random code: %w", err)
	}
	// Take the 80 bits five at a time, most significant first.
	var chars [codeChars]byte
	var acc uint64
	bits, n := 0, 0
	for _, b := range buf {
		acc = acc<<8 | uint64(b)
		bits += 8
		for bits >= 5 {
			bits -= 5
			chars[n] = crockford[(acc>>bits)&31]
			n++
		}
	}
	return formatCode(prefix, chars[:]), nil
}

// formatCode joins prefix and chars as PREFIX-XXXX-XXXX-XXXX-XXXX.
func formatCode(prefix string, chars []byte) string {
	var sb strings.Builder
	sb.Grow(codeLength)
	sb.WriteString(prefix)
	for i, c := range chars {
		if i%codeGroup == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(c)
	}
	return sb.String()
}

// NormalizeCode turns what a person typed or scanned into the canonical
// code, and reports whether it has the shape of a certificate code. It
// ignores case, spaces and dashes, and reads I and L as 1 and O as 0 in the
// random part, as Crockford base32 does; U and other characters are
// rejected. A true result says nothing about whether the code was issued.
func NormalizeCode(s string) (string, bool) {
	compact := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '-', '\t':
		default:
			compact = append(compact, c)
		}
	}
	if len(compact) != 3+codeChars {
		return "", false
	}
	prefix := strings.ToUpper(string(compact[:3]))
	if prefix != prefixLCIII && prefix != prefixLCVI {
		return "", false
	}
	chars := compact[3:]
	for i, c := range chars {
		d, ok := crockfordDigit(c)
		if !ok {
			return "", false
		}
		chars[i] = crockford[d]
	}
	return formatCode(prefix, chars), true
}

// crockfordDigit decodes one Crockford base32 character, case-insensitively.
func crockfordDigit(c byte) (byte, bool) {
	if 'a' <= c && c <= 'z' {
		c -= 'a' - 'A'
	}
	switch c {
	case 'I', 'L':
		return 1, true
	case 'O':
		return 0, true
	}
	if i := strings.IndexByte(crockford, c); i >= 0 {
		return byte(i), true // #nosec G115 -- i indexes the 32-letter Crockford alphabet
	}
	return 0, false
}

// CodeFormat returns the session format ("LCIII" or "LCVI") of a canonical
// code, and false when the code has no known prefix.
func CodeFormat(code string) (string, bool) {
	switch {
	case strings.HasPrefix(code, prefixLCIII+"-"):
		return formatLCIII, true
	case strings.HasPrefix(code, prefixLCVI+"-"):
		return formatLCVI, true
	}
	return "", false
}
