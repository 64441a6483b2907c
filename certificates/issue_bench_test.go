package certificates

import (
	"fmt"
	"testing"
	"time"
)

// issueOne does the CPU work of issuing one certificate: a code, a salt,
// the PDF and the signed badge. Storage is the caller's and not measured.
func issueOne(r *PDFRenderer, key SigningKey, now time.Time) error {
	code, err := NewCode("LCIII", nil)
	if err != nil {
		return err
	}
	salt, err := NewSalt(nil)
	if err != nil {
		return err
	}
	c := testCertificatePDF()
	c.Code = code
	c.VerifyURL = VerifyURL("https://librecours.example.org", code)
	if _, err := r.Render(c); err != nil {
		return err
	}
	in := testBadgeInput()
	in.Code, in.Salt, in.ValidFrom = code, salt, now
	cred, err := BuildCredential(in)
	if err != nil {
		return err
	}
	_, err = SignCredential(key, cred)
	return err
}

// BenchmarkIssue renders one PDF and signs one badge per iteration, with
// the fonts parsed once before the timer starts. "serial" issues one
// certificate at a time; "parallel" spreads them over GOMAXPROCS
// goroutines, as a session close may. Run with -cpu 1,2.
func BenchmarkIssue(b *testing.B) {
	r := newTestRenderer(b)
	now := time.Date(2025, 1, 27, 17, 0, 0, 0, time.UTC)
	key := newTestKey(b, now)
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := issueOne(r, key, now); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := issueOne(r, key, now); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkIssueBatch does the CPU work a session close does for n
// certificates (code, salt, signed badge; the PDF is rendered when it is
// downloaded, storage is not measured), to show that it grows linearly.
// 100k and 1M take minutes: go test -bench IssueBatch -benchtime 1x.
func BenchmarkIssueBatch(b *testing.B) {
	now := time.Date(2025, 1, 27, 17, 0, 0, 0, time.UTC)
	key := newTestKey(b, now)
	for _, n := range []int{1_000, 10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for range n {
					code, err := NewCode("LCIII", nil)
					if err != nil {
						b.Fatal(err)
					}
					salt, err := NewSalt(nil)
					if err != nil {
						b.Fatal(err)
					}
					in := testBadgeInput()
					in.Code, in.Salt, in.ValidFrom = code, salt, now
					cred, err := BuildCredential(in)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := SignCredential(key, cred); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
