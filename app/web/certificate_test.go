package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"librecours/certificates"
	"librecours/course"
)

// answersFor answers the first share of questions right and the rest wrong.
func answersFor(qs []questionJSON, share float64) map[string][]string {
	out := map[string][]string{}
	right := int(share*float64(len(qs)) + 0.5)
	for i, q := range qs {
		var picked []string
		for _, c := range q.Choices {
			if (c.Correct != nil && *c.Correct) == (i < right) {
				picked = append(picked, c.ID)
			}
		}
		out[q.ID] = picked
	}
	return out
}

// TestTenPersonSession replays an LCIII session of ten people through the API,
// from enrolment to close, and checks the counts at every level: 6 validated,
// 5 at level II, as in the real LCIII-001.
func TestTenPersonSession(t *testing.T) {
	t.Parallel()
	w := newPeerWorld(t, 10)
	e := w.e
	ctx := context.Background()
	// p0-p5 do good work; p6 stops after part 3; p7 does poor work; p8 fails
	// the evaluation; p9 never submits. p4 declines the commitment.
	for i := range w.quality {
		w.quality[i] = 85
	}
	w.quality[7] = 25
	submits := func(i, part int) bool { return i != 9 && !(i == 6 && part > 3) }

	for n := 1; n <= 6; n++ {
		part := w.sess.Parts[n-1]
		rubric := w.rubric(t, n)
		w.moveTo(t, part.OpensAt)
		for i := range w.people {
			if submits(i, n) {
				if res := e.api("PUT", w.partPath(n)+"/submission", w.tokens[i], map[string]string{"text": submissionText(i, n)}); res.Status != 200 {
					t.Fatalf("part %d submit %d: %d %s", n, i, res.Status, res.Body)
				}
			}
		}
		w.moveTo(t, part.SubmissionDue)
		w.e.jobs.Tick(ctx)
		for i := range w.people {
			w.doReviews(t, i, n, rubric)
		}
		w.moveTo(t, part.ReviewDue)
		w.e.jobs.Tick(ctx)
	}

	// The final evaluation, open during the last week.
	evalPath := "/api/v1/sessions/" + w.sess.ID + "/evaluation"
	var key struct{ Questions []questionJSON }
	e.api("GET", evalPath, w.ct, nil).decode(t, &key)
	if len(key.Questions) < 20 || key.Questions[0].Choices[0].Correct == nil {
		t.Fatalf("staff view of the evaluation: %d questions", len(key.Questions))
	}
	var pub struct{ Questions []questionJSON }
	e.api("GET", evalPath, w.tokens[0], nil).decode(t, &pub)
	for _, q := range pub.Questions {
		for _, c := range q.Choices {
			if c.Correct != nil {
				t.Fatal("participants see the answer key")
			}
		}
	}
	w.moveTo(t, w.sess.Evaluation.OpensAt)
	if res := e.api("POST", evalPath+"/attempt", w.tokens[0], map[string]any{"answers": map[string][]string{"nope": {"x"}}}); res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("unknown question: %d %s", res.Status, res.Body)
	}
	// Answers are saved as one goes, then submitted.
	if res := e.api("PUT", evalPath+"/draft", w.tokens[0], map[string]any{"answers": answersFor(key.Questions, 0.5)}); res.Status != 200 {
		t.Fatalf("draft: %d %s", res.Status, res.Body)
	}
	shares := []float64{0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.4, -1}
	for i, share := range shares {
		if share < 0 {
			continue
		}
		res := e.api("POST", evalPath+"/attempt", w.tokens[i], map[string]any{"answers": answersFor(key.Questions, share)})
		var out struct{ Score float64 }
		res.decode(t, &out)
		if want := 100 * float64(int(share*float64(len(key.Questions))+0.5)) / float64(len(key.Questions)); res.Status != 200 || out.Score < want-0.1 || out.Score > want+0.1 {
			t.Fatalf("attempt %d: %d %s (want %.1f)", i, res.Status, res.Body, want)
		}
	}
	if res := e.api("POST", evalPath+"/attempt", w.tokens[0], map[string]any{"answers": answersFor(key.Questions, 1)}); res.Status != http.StatusConflict {
		t.Fatalf("second attempt: %d %s", res.Status, res.Body)
	}
	if res := e.api("PUT", "/api/v1/sessions/"+w.sess.ID+"/commitment", w.tokens[4], map[string]bool{"accept": false}); res.Status != 200 {
		t.Fatalf("decline: %d %s", res.Status, res.Body)
	}

	// Results, then the close.
	var results []map[string]any
	e.api("GET", "/api/v1/sessions/"+w.sess.ID+"/results", w.atok, nil).decode(t, &results)
	levels := map[string]float64{}
	for _, r := range results {
		levels[r["name"].(string)] = r["level"].(float64)
	}
	want := map[string]float64{"Participant 00": 2, "Participant 01": 2, "Participant 02": 2, "Participant 03": 2, "Participant 04": 1,
		"Participant 05": 2, "Participant 06": 0, "Participant 07": 0, "Participant 08": 0, "Participant 09": 0}
	for name, l := range want {
		if levels[name] != l {
			t.Errorf("%s: level %v, want %v (%+v)", name, levels[name], l, results)
		}
	}
	// Each participant's own progress, computed from their documents only,
	// agrees with the session's table.
	all, err := e.srv.certs.Results(ctx, w.coord, w.sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range all {
		mine, err := e.srv.certs.Progress(ctx, r.User, w.sess.ID)
		if err != nil {
			t.Fatal(err)
		}
		if mine.Level() != r.Level() || mine.ReviewsDone != r.ReviewsDone || mine.ReviewsAssigned != r.ReviewsAssigned || !reflect.DeepEqual(mine.Input, r.Input) {
			t.Errorf("progress of %s: %+v, results say %+v", r.User.Name, mine, r)
		}
	}
	if _, err := e.srv.certs.Progress(ctx, w.coord, w.sess.ID); !errors.Is(err, course.ErrForbidden) {
		t.Errorf("progress of someone not enrolled: %v", err)
	}
	if res := e.api("POST", "/api/v1/sessions/"+w.sess.ID+"/close", w.atok, nil); res.Status != http.StatusForbidden {
		t.Fatalf("animator closing: %d", res.Status)
	}
	res := e.api("POST", "/api/v1/sessions/"+w.sess.ID+"/close", w.ct, nil)
	var rep struct{ Participants, Validated, Level1, Level2, Issued int }
	res.decode(t, &rep)
	if res.Status != 200 || rep.Participants != 10 || rep.Validated != 6 || rep.Level1 != 1 || rep.Level2 != 5 || rep.Issued != 6 {
		t.Fatalf("close: %d %s", res.Status, res.Body)
	}
	res = e.api("POST", "/api/v1/sessions/"+w.sess.ID+"/close", w.ct, nil)
	res.decode(t, &rep)
	if res.Status != 200 || rep.Issued != 0 || rep.Validated != 6 {
		t.Fatalf("second close: %d %s", res.Status, res.Body)
	}
	var report struct {
		Sentence string
	}
	e.api("GET", "/api/v1/sessions/"+w.sess.ID+"/report", w.ct, nil).decode(t, &report)
	if report.Sentence != "6 participant·e·s sur 10 ont validé la formation, dont 5 au niveau II." {
		t.Fatalf("sentence = %q", report.Sentence)
	}
	var en struct{ Sentence string }
	e.api("GET", "/api/v1/sessions/"+w.sess.ID+"/report", w.ct, nil, "Accept-Language", "en").decode(t, &en)
	if en.Sentence != "6 participants out of 10 validated the course, 5 of them at level II." {
		t.Fatalf("English sentence = %q", en.Sentence)
	}
	var certs []certificateJSON
	e.api("GET", "/api/v1/sessions/"+w.sess.ID+"/certificates", w.ct, nil).decode(t, &certs)
	if len(certs) != 6 {
		t.Fatalf("%d certificates", len(certs))
	}
	commitments, _ := e.srv.certs.Store.Commitments(ctx)
	if len(commitments) != 5 {
		t.Fatalf("%d commitments, want 5 (one per level II)", len(commitments))
	}

	// Holder's view, public verification, files.
	var mine []certificateJSON
	e.api("GET", "/api/v1/me/certificates", w.tokens[0], nil).decode(t, &mine)
	if len(mine) != 1 || mine[0].Level != 2 || !strings.HasPrefix(mine[0].Code, "LC3-") || len(mine[0].Code) != len("LC3-7K2Q-M9XD-4TPA-Q8ZC") {
		t.Fatalf("my certificates: %+v", mine)
	}
	code := mine[0].Code
	var pubv struct{ Code, Holder, Status string }
	e.api("GET", "/api/v1/certificates/"+strings.ToLower(code), "", nil).decode(t, &pubv)
	if pubv.Status != "valid" || pubv.Holder != "Participant 00" || pubv.Code != code {
		t.Fatalf("verification: %+v", pubv)
	}
	if res := e.api("GET", "/api/v1/certificates/LC3-0000-0000-0000-0000", "", nil); res.Status != 404 {
		t.Fatalf("guessed code: %d", res.Status)
	}
	b := e.browser()
	if p := b.get("/certificates/" + code); p.Status != 200 || !strings.Contains(p.HTML, "Participant 00") || !strings.Contains(p.HTML, "LCIII-001") {
		t.Fatalf("verification page: %d", p.Status)
	}
	if res := e.api("GET", "/certificates/"+code+".pdf", w.tokens[1], nil); res.Status != 404 {
		t.Fatalf("someone else's PDF: %d", res.Status)
	}
	pdf := e.api("GET", "/certificates/"+code+".pdf", w.tokens[0], nil)
	if pdf.Status != 200 || !strings.HasPrefix(string(pdf.Body), "%PDF") {
		t.Fatalf("PDF: %d", pdf.Status)
	}
	badge := e.api("GET", "/certificates/"+code+"/badge.jwt", w.tokens[0], nil)
	// The baked badge, like the PDF and the signed one, takes the holder's
	// API token, and is not found for anyone else.
	if svg := e.api("GET", "/certificates/"+code+"/badge.svg", w.tokens[0], nil); svg.Status != 200 || !strings.Contains(string(svg.Body), "<svg") {
		t.Fatalf("baked badge with the holder's token: %d", svg.Status)
	}
	if svg := e.api("GET", "/certificates/"+code+"/badge.svg", w.tokens[1], nil); svg.Status != 404 {
		t.Fatalf("someone else's baked badge: %d", svg.Status)
	}
	var jwks jose.JSONWebKeySet
	if err := json.Unmarshal(e.api("GET", "/.well-known/jwks.json", "", nil).Body, &jwks); err != nil || len(jwks.Keys) != 2 { // one key, under its URL and its thumbprint
		t.Fatalf("jwks: %v %d", err, len(jwks.Keys))
	}
	vc, err := certificates.VerifyCredential(string(badge.Body), jwks)
	if err != nil {
		t.Fatalf("badge does not verify against the served JWKS: %v", err)
	}
	if !vc.Credential.CredentialSubject.HasEmail(w.people[0].Email) || vc.Credential.CredentialSubject.HasEmail(w.people[1].Email) {
		t.Fatal("badge does not identify its holder by the salted e-mail hash")
	}
	parts := strings.Split(string(badge.Body), ".")
	tampered := parts[0] + "." + strings.Replace(parts[1], parts[1][10:14], "AAAA", 1) + "." + parts[2]
	if _, err := certificates.VerifyCredential(tampered, jwks); err == nil {
		t.Fatal("a tampered badge verifies")
	}

	// The command line verifies the badge offline and says why a tampered one fails.
	dir := t.TempDir()
	jwksFile, goodFile, badFile, statusFile := dir+"/jwks.json", dir+"/badge.jwt", dir+"/tampered.jwt", dir+"/status.jwt"
	status := string(e.api("GET", "/status/revocation", "", nil).Body)
	for name, data := range map[string]string{jwksFile: string(mustJSON(jwks)), goodFile: string(badge.Body), badFile: tampered, statusFile: status} {
		if err := os.WriteFile(name, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr strings.Builder
	if code := verifyMain([]string{"certificates", "verify", goodFile, "--jwks", jwksFile, "--status", statusFile}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "VALID") {
		t.Fatalf("verify good badge: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	stdout.Reset()
	if code := verifyMain([]string{"certificates", "verify", badFile, "--jwks", jwksFile}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "INVALID") || !strings.Contains(stderr.String(), "signature") {
		t.Fatalf("verify tampered badge: exit %d\n%s", code, stderr.String())
	}

	// Revocation.
	if res := e.api("POST", "/api/v1/certificates/LC3-0000-0000-0000-0000/revoke", w.ct, map[string]string{"reason": "erreur de saisie"}); res.Status != 404 {
		t.Fatalf("revoke unknown: %d", res.Status)
	}
	if res := e.api("POST", "/api/v1/certificates/"+code+"/revoke", w.tokens[0], map[string]string{"reason": "je veux"}); res.Status != 403 {
		t.Fatalf("holder revoking: %d", res.Status)
	}
	if res := e.api("POST", "/api/v1/certificates/"+code+"/revoke", w.ct, map[string]string{"reason": "Plagiat établi"}); res.Status != 200 {
		t.Fatalf("revoke: %d %s", res.Status, res.Body)
	}
	e.api("GET", "/api/v1/certificates/"+code, "", nil).decode(t, &pubv)
	if p := b.get("/certificates/" + code); pubv.Status != "revoked" || !strings.Contains(p.Doc.Find(".alert").Text(), "révoqué") {
		t.Fatalf("after revocation: %+v", pubv)
	}

	// Reopen, adjust two levels with reasons, close again: only the changes.
	if res := e.api("POST", "/api/v1/sessions/"+w.sess.ID+"/reopen", w.ct, map[string]string{"reason": "Correction après jury"}); res.Status != 200 {
		t.Fatalf("reopen: %d %s", res.Status, res.Body)
	}
	for _, o := range []struct {
		i, level int
	}{{9, 1}, {4, 2}} {
		if res := e.api("PUT", fmt.Sprintf("/api/v1/sessions/%s/overrides/%s", w.sess.ID, w.people[o.i].ID), w.ct, map[string]any{"level": o.level, "reason": "Décision du jury"}); res.Status != 200 {
			t.Fatalf("override: %d %s", res.Status, res.Body)
		}
	}
	res = e.api("POST", "/api/v1/sessions/"+w.sess.ID+"/close", w.ct, nil)
	var again struct{ Validated, Level1, Level2, Issued, Revoked, Withheld int }
	res.decode(t, &again)
	// p9 gets level I (new); p4 goes from I to II (revoke and reissue); p0,
	// whose certificate was revoked by hand, gets none: revocations stick.
	if res.Status != 200 || again.Validated != 7 || again.Level2 != 6 || again.Level1 != 1 || again.Issued != 2 || again.Revoked != 1 || again.Withheld != 1 {
		t.Fatalf("re-close: %d %s", res.Status, res.Body)
	}
	// Issuing it again is a coordinator's explicit act, with a reason.
	reissue := "/api/v1/certificates/" + code + "/reissue"
	if res := e.api("POST", reissue, w.ct, map[string]string{"reason": "ok"}); res.Status != 422 {
		t.Fatalf("reissue without a reason: %d %s", res.Status, res.Body)
	}
	if res := e.api("POST", reissue, w.tokens[0], map[string]string{"reason": "Je le veux à nouveau"}); res.Status != 403 {
		t.Fatalf("reissue by the holder: %d %s", res.Status, res.Body)
	}
	if res := e.api("POST", reissue, w.tokens[1], map[string]string{"reason": "Je le veux à nouveau"}); res.Status != 404 {
		t.Fatalf("reissue by someone else: %d %s", res.Status, res.Body)
	}
	res = e.api("POST", reissue, w.ct, map[string]string{"reason": "Erreur de révocation, vérifiée"})
	var re struct{ Code, Replaces string }
	res.decode(t, &re)
	if res.Status != 201 || re.Code == "" || re.Code == code || re.Replaces != code {
		t.Fatalf("reissue: %d %s", res.Status, res.Body)
	}
	if res := e.api("POST", reissue, w.ct, map[string]string{"reason": "Erreur de révocation, vérifiée"}); res.Status != 404 {
		t.Fatalf("a second reissue: %d %s", res.Status, res.Body)
	}
	res = e.api("POST", "/api/v1/sessions/"+w.sess.ID+"/close", w.ct, nil)
	again = struct{ Validated, Level1, Level2, Issued, Revoked, Withheld int }{}
	res.decode(t, &again)
	if res.Status != 200 || again.Issued != 0 || again.Revoked != 0 || again.Withheld != 0 {
		t.Fatalf("close after the reissue: %d %s", res.Status, res.Body)
	}
	log, err := e.srv.certs.Store.(interface {
		AuditLog(context.Context, string, int) ([]certificates.AuditEntry, error)
	}).AuditLog(ctx, w.sess.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, a := range log {
		actions[a.Action]++
	}
	if actions["session.reopen"] != 1 || actions["level.override"] != 2 || actions["certificate.revoke"] < 2 || actions["session.close"] != 2 || actions["certificate.reissue"] != 1 {
		t.Fatalf("audit log: %v", actions)
	}
}
