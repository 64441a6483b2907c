package certificates

import (
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
