package certificates

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var codeShape = regexp.MustCompile(`^LC[36](-[0-9A-HJKMNP-TV-Z]{4}){4}$`)

func TestNewCode(t *testing.T) {
	tests := []struct {
		name   string
		format string
		random []byte
		want   string
	}{
		{
			name:   "all zero bits",
			format: "LCIII",
			random: make([]byte, 10),
			want:   "LC3-0000-0000-0000-0000",
		},
		{
			name:   "all one bits",
			format: "LCVI",
			random: bytes.Repeat([]byte{0xff}, 10),
			want:   "LC6-ZZZZ-ZZZZ-ZZZZ-ZZZZ",
		},
		{
			// 0x00 0x44 0x32 0x14 0xc7 = 00000 00001 00010 00011 00100 00101 00110 00111
			name:   "five bits at a time, most significant first",
			format: "LCIII",
			random: []byte{0x00, 0x44, 0x32, 0x14, 0xc7, 0x42, 0x54, 0xb6, 0x35, 0xcf},
			want:   "LC3-0123-4567-89AB-CDEF",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NewCode(tt.format, bytes.NewReader(tt.random))
			if err != nil {
				t.Fatalf("NewCode() error = %v", err)
			}
			if got != tt.want {
				t.Errorf("NewCode() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNewCodeCryptoRand(t *testing.T) {
	seen := make(map[string]bool)
	for range 200 {
		code, err := NewCode("LCVI", nil)
		if err != nil {
			t.Fatalf("NewCode() error = %v", err)
		}
		if !codeShape.MatchString(code) || !strings.HasPrefix(code, "LC6-") {
			t.Fatalf("NewCode() = %q, not a LCVI code", code)
		}
		if seen[code] {
			t.Fatalf("NewCode() repeated %q", code)
		}
		seen[code] = true
		if norm, ok := NormalizeCode(code); !ok || norm != code {
			t.Fatalf("NormalizeCode(%q) = %q, %v; want it unchanged", code, norm, ok)
		}
	}
}

func TestNewCodeErrors(t *testing.T) {
	t.Run("unknown format", func(t *testing.T) {
		_, err := NewCode("LCIX", bytes.NewReader(make([]byte, 10)))
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("NewCode() error = %v, want *ValidationError", err)
		}
		if diff := cmp.Diff(&ValidationError{Field: "format", Key: "certificates.code.unknown_format"}, ve); diff != "" {
			t.Errorf("error mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("short random source", func(t *testing.T) {
		_, err := NewCode("LCIII", bytes.NewReader(make([]byte, 9)))
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("NewCode() error = %v, want io.ErrUnexpectedEOF", err)
		}
	})
}

func TestNormalizeCode(t *testing.T) {
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{"LC3-7K2Q-M9XD-4TPA-Q8ZC", "LC3-7K2Q-M9XD-4TPA-Q8ZC", true},
		{"lc3-7k2q-m9xd-4tpa-q8zc", "LC3-7K2Q-M9XD-4TPA-Q8ZC", true},
		{"  LC6 7K2Q M9XD 4TPA Q8ZC ", "LC6-7K2Q-M9XD-4TPA-Q8ZC", true},
		{"LC37K2QM9XD4TPAQ8ZC", "LC3-7K2Q-M9XD-4TPA-Q8ZC", true},
		{"LC3-IlLi-OoOo-0000-1111", "LC3-1111-0000-0000-1111", true},
		{"Lc6--ABCD-EFGH-JKMN-PQRS", "LC6-ABCD-EFGH-JKMN-PQRS", true},
		{"LC3-7K2Q-M9XD-4TPA-Q8ZU", "", false},  // U is not Crockford
		{"LC3-7K2Q-M9XD-4TPA-Q8Z", "", false},   // too short
		{"LC3-7K2Q-M9XD-4TPA-Q8ZCC", "", false}, // too long
		{"LC4-7K2Q-M9XD-4TPA-Q8ZC", "", false},  // unknown prefix
		{"1C3-7K2Q-M9XD-4TPA-Q8ZC", "", false},  // prefix is not Crockford-folded
		{"LC3-7K2Q-M9XD-4TPA-Q8Z*", "", false},
		{"LC3-7K2Q-M9XD-4TPA-Q8Zé", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := NormalizeCode(tt.in)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("NormalizeCode(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestCodeFormat(t *testing.T) {
	tests := []struct {
		code   string
		want   string
		wantOK bool
	}{
		{"LC3-7K2Q-M9XD-4TPA-Q8ZC", "LCIII", true},
		{"LC6-7K2Q-M9XD-4TPA-Q8ZC", "LCVI", true},
		{"LC9-7K2Q-M9XD-4TPA-Q8ZC", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			got, ok := CodeFormat(tt.code)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("CodeFormat(%q) = %q, %v; want %q, %v", tt.code, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
