package notify

import (
	"bytes"
	"net/mail"
	"strings"
	"unicode/utf8"
)

// MaxHeaderLine is the longest header line Format writes (RFC 2047 limits
// a line holding encoded-words to 76 characters; RFC 5322 recommends 78).
// One exception: a List-Unsubscribe URL is never broken, since RFC 2369
// forbids whitespace inside its angle brackets.
const MaxHeaderLine = 76

// writeHeader writes "name: value" where value is made of words separated
// by single spaces, folded before a word that would pass MaxHeaderLine.
// A word longer than a line stays whole on a line of its own.
func writeHeader(b *bytes.Buffer, name string, words []string) {
	b.WriteString(name)
	b.WriteByte(':')
	n := len(name) + 1
	for i, w := range words {
		if i > 0 && n+1+len(w) > MaxHeaderLine {
			b.WriteString("\r\n")
			n = 0
		}
		b.WriteByte(' ')
		b.WriteString(w)
		n += 1 + len(w)
	}
	b.WriteString("\r\n")
}

// ascii reports whether s is printable ASCII (spaces included).
func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// textWords are the words of an unstructured header value (a subject):
// plain words when it is ASCII, otherwise encoded-words (RFC 2047) that
// each fit on a line after the header name.
func textWords(name, value string) []string {
	value = oneLine(value)
	if ascii(value) {
		return strings.Fields(value)
	}
	return encodedWords(value, wordBudget(name))
}

// wordBudget is the longest encoded-word that fits after "name: " and thus
// on any continuation line too, within RFC 2047's 75.
func wordBudget(name string) int {
	return min(75, MaxHeaderLine-len(name)-2)
}

// qSafe are the characters an encoded-word keeps as they are: RFC 2047
// section 5 (3), the strictest set, valid in a subject and a display name.
func qSafe(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!*+-/", c) >= 0
}

// encodedWords encodes s as UTF-8 Q encoded-words of at most max
// characters each, cut between characters (never inside one). Decoders
// join adjacent encoded-words without the folding space, so spaces are
// encoded inside the words.
func encodedWords(s string, max int) []string {
	const open, close = "=?utf-8?q?", "?="
	room := max - len(open) - len(close)
	var words []string
	var cur strings.Builder
	for len(s) > 0 {
		_, size := utf8.DecodeRuneInString(s)
		var enc strings.Builder
		for i := 0; i < size; i++ {
			c := s[i]
			switch {
			case c == ' ':
				enc.WriteByte('_')
			case qSafe(c):
				enc.WriteByte(c)
			default:
				enc.WriteByte('=')
				enc.WriteByte("0123456789ABCDEF"[c>>4])
				enc.WriteByte("0123456789ABCDEF"[c&15])
			}
		}
		if cur.Len() > 0 && cur.Len()+enc.Len() > room {
			words = append(words, open+cur.String()+close)
			cur.Reset()
		}
		cur.WriteString(enc.String())
		s = s[size:]
	}
	if cur.Len() > 0 {
		words = append(words, open+cur.String()+close)
	}
	return words
}

// addressWords are the words of an address header: the display name
// (quoted when ASCII needs it, encoded-words otherwise) and <address>.
func addressWords(name string, a *mail.Address) []string {
	display := oneLine(a.Name)
	if display == "" {
		return []string{"<" + a.Address + ">"}
	}
	if ascii(display) {
		// mail.Address quotes the name when it must; its words can be
		// folded at their spaces (FWS is allowed in a quoted-string).
		return strings.Fields((&mail.Address{Name: display, Address: a.Address}).String())
	}
	return append(encodedWords(display, wordBudget(name)), "<"+a.Address+">")
}
