package web

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"librecours/grading"
)

// TestStaffSubmissionList: the session's staff see every submission on one
// list, queued or not, with its author and a link to it; the correction
// queue holds only those that need an animator. A participant may not.
func TestStaffSubmissionList(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.peerWork(t)
	ctx := t.Context()
	items, err := f.e.srv.grading.StaffSubmissions(ctx, f.anim, f.session.ID)
	if err != nil || len(items) != 5 {
		t.Fatalf("staff submissions: %d, %v; want the fixture's 5", len(items), err)
	}
	queue, err := f.e.srv.grading.Corrections(ctx, f.anim, f.session.ID)
	if err != nil {
		t.Fatal(err)
	}
	var outside []string // submissions not in the queue
	for _, it := range items {
		if !slices.ContainsFunc(queue, func(q grading.QueueItem) bool { return q.Submission.ID == it.Submission.ID }) {
			outside = append(outside, it.Submission.ID)
		}
	}
	if len(outside) == 0 {
		t.Fatal("every submission is queued: the test needs one that is not")
	}
	for _, lang := range []string{"fr", "en"} {
		b := f.e.browser()
		b.lang = lang
		b.login(f.anim)
		p := b.get("/sessions/" + f.session.ID + "/submissions")
		if p.Status != http.StatusOK {
			t.Fatalf("%s: status %d", lang, p.Status)
		}
		if rows := p.Doc.Find("tbody tr").Length(); rows != 5 {
			t.Errorf("%s: %d rows, want 5", lang, rows)
		}
		for _, id := range outside {
			if p.Doc.Find(`a[href="/submissions/`+id+`"]`).Length() != 1 {
				t.Errorf("%s: no link to %s, which is not queued", lang, id)
			}
		}
		for _, name := range []string{"Paul Participant", "Pair 0", "Pair 3"} {
			if !strings.Contains(p.Doc.Find("tbody").Text(), name) {
				t.Errorf("%s: the list does not name %s", lang, name)
			}
		}
		if q := b.get("/sessions/" + f.session.ID + "/corrections"); q.Doc.Find(`a[href="/sessions/`+f.session.ID+`/submissions"]`).Length() != 1 {
			t.Errorf("%s: the correction queue does not link to the list", lang)
		}
	}
	part := f.e.browser()
	part.login(f.part)
	if p := part.get("/sessions/" + f.session.ID + "/submissions"); p.Status != http.StatusForbidden && p.Status != http.StatusNotFound {
		t.Errorf("a participant gets %d, want 403 or 404", p.Status)
	}
}
