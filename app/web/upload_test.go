package web

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"librecours/course"
	"librecours/grading"
)

// multipartBody builds a form with fields and one file part.
func multipartBody(t *testing.T, fields map[string]string, filename, contentType string, data []byte) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if filename != "" {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, filename))
		h.Set("Content-Type", contentType)
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(data)
	}
	_ = mw.Close()
	return &buf, mw.FormDataContentType()
}

func TestUploads(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.peerWork(t) // the participant is enrolled; part 1 is in review
	ctx := t.Context()
	e := f.e
	pdf := []byte("%PDF-1.7\n% Travail de test\n%%EOF")
	part2 := "/sessions/" + f.session.ID + "/parts/2"
	e.clock.Set(f.session.Parts[1].OpensAt.Add(time.Hour))

	b := e.browser()
	b.login(f.part)
	tok := b.csrf(part2)
	send := func(filename, ct string, data []byte) page2 {
		body, ctype := multipartBody(t, map[string]string{"_csrf": tok, "text": "Mon travail, avec une pièce jointe."}, filename, ct, data)
		req := httptest.NewRequest("POST", part2+"/submission", body)
		req.Header.Set("Content-Type", ctype)
		return b.send(req)
	}
	if p := send("page.pdf", "application/pdf", []byte("<html><script>alert(1)</script>")); p.Status != http.StatusUnprocessableEntity || p.Doc.Find(".alert").Length() == 0 {
		t.Fatalf("HTML posing as a PDF: %d", p.Status)
	}
	if p := send("big.pdf", "application/pdf", append(pdf, make([]byte, 10<<20)...)); p.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("11 MiB file: %d", p.Status)
	}
	if p := send("Mon nom de famille.pdf", "text/plain", pdf); p.Status != http.StatusSeeOther {
		t.Fatalf("PDF upload (lying content type the other way): %d %s", p.Status, p.Doc.Find(".alert").Text())
	}
	sub, err := e.srv.grading.Store.SubmissionByAuthor(ctx, f.session.ID, 2, f.part.ID)
	if err != nil || sub.Attachment == nil || sub.Attachment.ContentType != "application/pdf" || strings.Contains(sub.Attachment.Name, "famille") {
		t.Fatalf("stored attachment: %+v %v", sub, err)
	}
	vs, _ := e.srv.grading.Store.Versions(ctx, sub.ID)
	if len(vs) != 1 || vs[0].Attachment == nil {
		t.Fatalf("versions: %+v", vs)
	}

	// Download: the author yes, under a generated name; another participant no.
	p := b.get("/submissions/" + sub.ID + "/file")
	if p.Status != 200 || !strings.Contains(p.Header.Get("Content-Disposition"), "travail.pdf") || p.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("author download: %d %v", p.Status, p.Header)
	}
	other := e.user("other@example.org", "Autre", course.RoleParticipant)
	ob := e.browser()
	ob.login(other)
	if p := ob.get("/submissions/" + sub.ID + "/file"); p.Status != http.StatusNotFound {
		t.Fatalf("stranger download: %d", p.Status)
	}
	// An animator of the session sees it.
	ab := e.browser()
	ab.login(f.anim)
	if p := ab.get("/submissions/" + sub.ID + "/file"); p.Status != 200 {
		t.Fatalf("animator download: %d", p.Status)
	}

	// The API takes the same upload.
	tokAPI := e.token(f.part)
	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, image.NewGray(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	body, ctype := multipartBody(t, nil, "x.png", "image/png", pngBuf.Bytes())
	req := httptest.NewRequest("POST", "/api/v1"+part2+"/submission/attachment", body)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+tokAPI)
	resp := e.do(req)
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(out), `"image/png"`) || !strings.Contains(string(out), `"version":2`) {
		t.Fatalf("API attachment: %d %s", resp.StatusCode, out)
	}
	body, ctype = multipartBody(t, nil, "x.exe", "image/png", []byte("MZ\x90\x00"))
	req = httptest.NewRequest("POST", "/api/v1"+part2+"/submission/attachment", body)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+tokAPI)
	if resp := e.do(req); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("API forbidden type: %d", resp.StatusCode)
	}

	// A PDF naming its author is refused with a message saying what to do.
	if p := send("nom.pdf", "application/pdf", []byte("%PDF-1.7\n1 0 obj << /Author (Paul Participant) >> endobj\n%%EOF")); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(strings.ToLower(p.Doc.Find(".alert").Text()), "auteur") {
		t.Fatalf("PDF naming its author: %d %q", p.Status, p.Doc.Find(".alert").Text())
	}

	// The upload quota counts every file the person sent.
	used, err := e.srv.grading.Store.FileBytes(ctx, f.part.ID)
	if err != nil || used != int64(len(pdf)+pngBuf.Len()) {
		t.Fatalf("file bytes %d, %v; want %d", used, err, len(pdf)+pngBuf.Len())
	}
	e.srv.grading.UploadQuota = used + int64(len(pdf)) - 1
	if p := send("encore.pdf", "application/pdf", pdf); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Doc.Find(".alert").Text(), "Mio") {
		t.Fatalf("over quota: %d %q", p.Status, p.Doc.Find(".alert").Text())
	}
	e.srv.grading.UploadQuota = 0

	// At most grading.MaxVersions versions.
	for {
		s, err := e.srv.grading.Submit(ctx, f.part, f.session.ID, 2, "Encore une version.", nil)
		if err != nil {
			t.Fatal(err)
		}
		if s.Version == grading.MaxVersions {
			break
		}
	}
	if p := send("", "", nil); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Doc.Find(".alert").Text(), "20") {
		t.Fatalf("version 21: %d %q", p.Status, p.Doc.Find(".alert").Text())
	}
}
