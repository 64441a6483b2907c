package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"librecours/grading"
)

// A participant whose attachment is a little over the 10 MiB allowed gets
// the part page again, the text typed kept and the error shown, as for a
// file just over the limit: beyond the multipart body limit (10 MiB +
// 264 KB) the body was refused before the handler, with the bare error
// page, and the text typed was gone.
func TestHostileUploadTooLargeKeepsText(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.peerWork(t)
	e := f.e
	part2 := "/sessions/" + f.session.ID + "/parts/2"
	e.clock.Set(f.session.Parts[1].OpensAt.Add(time.Hour))
	b := e.browser()
	b.login(f.part)
	const typed = "Mon travail, écrit pendant des heures, à ne pas perdre."
	for _, size := range []int{grading.MaxUploadBytes + 1, maxMultipartBytes + 1, fiberBodyLimit - 64<<10} {
		for _, lang := range []string{"fr", "en"} {
			b.lang = lang
			tok := b.csrf(part2)
			data := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("x"), size)...)
			body, ctype := multipartBody(t, map[string]string{"_csrf": tok, "text": typed}, "gros.pdf", "application/pdf", data)
			req := httptest.NewRequest("POST", part2+"/submission", body)
			req.Header.Set("Content-Type", ctype)
			p := b.send(req)
			if p.Status != http.StatusRequestEntityTooLarge {
				t.Errorf("%d bytes (%s): status %d", size, lang, p.Status)
			}
			if got := p.Doc.Find("textarea#text").Text(); got != typed {
				t.Errorf("%d bytes (%s): text shown again %q, want the text typed", size, lang, got)
			}
			want := map[string]string{"fr": "trop volumineux", "en": "too large"}[lang]
			if !strings.Contains(p.Doc.Find(".error-summary").Text(), want) {
				t.Errorf("%d bytes (%s): no error summary: %q", size, lang, p.Doc.Find(".error-summary").Text())
			}
		}
	}
	if _, err := e.srv.grading.MySubmission(t.Context(), f.part, f.session.ID, 2); err == nil {
		t.Errorf("a submission was saved")
	}
}
