package web

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"librecours/course"
	"librecours/grading"
)

type peerWorld struct {
	e        *testEnv
	coord    *course.User
	anim     *course.User
	ct, atok string
	people   []*course.User
	tokens   []string
	byID     map[string]int
	sess     sessionJSON
	quality  []float64 // each participant's true level, 0..100
}

func newPeerWorld(t *testing.T, n int) *peerWorld {
	e := newEnv(t)
	w := &peerWorld{e: e, byID: map[string]int{}}
	w.coord = e.user("coord@example.org", "Coord", course.RoleCoordinator)
	w.anim = e.user("anim@example.org", "Anim", course.RoleAnimator)
	w.ct, w.atok = e.token(w.coord), e.token(w.anim)
	res := e.api("POST", "/api/v1/sessions", w.ct, map[string]any{"format": "LCIII", "starts_on": "2026-03-02"})
	if res.Status != 201 {
		t.Fatalf("create session: %d %s", res.Status, res.Body)
	}
	res.decode(t, &w.sess)
	if res := e.api("POST", "/api/v1/sessions/"+w.sess.ID+"/animators", w.ct, map[string]string{"user_id": w.anim.ID}); res.Status != 201 {
		t.Fatalf("animator: %d", res.Status)
	}
	for i := range n {
		u := e.user(fmt.Sprintf("p%02d@example.org", i), fmt.Sprintf("Participant %02d", i), course.RoleParticipant)
		tok := e.token(u)
		if res := e.api("POST", "/api/v1/sessions/"+w.sess.ID+"/enrolments", tok, nil); res.Status != 201 {
			t.Fatalf("enrol %d: %d %s", i, res.Status, res.Body)
		}
		w.people, w.tokens = append(w.people, u), append(w.tokens, tok)
		w.byID[u.ID] = i
		w.quality = append(w.quality, 40+float64((i*37)%60))
	}
	return w
}

func (w *peerWorld) moveTo(t *testing.T, ts string) {
	tm, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		t.Fatal(err)
	}
	w.e.clock.Set(tm.Add(time.Minute))
}

func (w *peerWorld) partPath(n int) string {
	return fmt.Sprintf("/api/v1/sessions/%s/parts/%d", w.sess.ID, n)
}

func (w *peerWorld) rubric(t *testing.T, n int) []criterionJSON {
	var ex exerciseJSON
	w.e.api("GET", w.partPath(n)+"/exercise", w.tokens[0], nil).decode(t, &ex)
	if len(ex.Rubric) == 0 || ex.Instructions == "" {
		t.Fatalf("part %d exercise: %+v", n, ex)
	}
	return ex.Rubric
}

// scoresFor gives the author's true level as rubric points, the reviewer's
// offset (-1, 0 or +1 point) on the first criterion only.
func scoresFor(rubric []criterionJSON, level float64, offset int) map[string]int {
	out := map[string]int{}
	for i, c := range rubric {
		v := int(math.Round(level / 100 * float64(c.MaxPoints)))
		if i == 0 {
			v += offset
		}
		out[c.ID] = max(0, min(c.MaxPoints, v))
	}
	return out
}

// truePercent is the rubric percentage a perfectly fair review gives level.
func truePercent(rubric []criterionJSON, level float64) float64 {
	got, total := 0, 0
	for _, v := range scoresFor(rubric, level, 0) {
		got += v
	}
	for _, c := range rubric {
		total += c.MaxPoints
	}
	return 100 * float64(got) / float64(total)
}

func (w *peerWorld) myReviews(t *testing.T, i, part int) []reviewTaskJSON {
	var rs []reviewTaskJSON
	res := w.e.api("GET", fmt.Sprintf("/api/v1/me/reviews?session=%s&part=%d", w.sess.ID, part), w.tokens[i], nil)
	if res.Status != 200 {
		t.Fatalf("me/reviews: %d %s", res.Status, res.Body)
	}
	res.decode(t, &rs)
	return rs
}

// doReviews hands in every open review of participant i; authorOf tells
// whose text a review is about (from the text itself, since the API never
// says).
func (w *peerWorld) doReviews(t *testing.T, i, part int, rubric []criterionJSON) int {
	done := 0
	for _, r := range w.myReviews(t, i, part) {
		if r.Status == "done" {
			continue
		}
		author := w.authorOfText(t, r.Submission["text"].(string))
		body := map[string]any{"scores": scoresFor(rubric, w.quality[author], i%3-1), "comment": "Travail clair, arguments solides ; citez mieux vos sources."}
		if res := w.e.api("PUT", "/api/v1/reviews/"+r.ID, w.tokens[i], body); res.Status != 200 {
			t.Fatalf("review by %d: %d %s", i, res.Status, res.Body)
		}
		done++
	}
	return done
}

func submissionText(i, part int) string {
	return fmt.Sprintf("## Partie %d\n\nTravail de l'auteur·rice [%02d], avec des accents : éàçœ.", part, i)
}

func (w *peerWorld) authorOfText(t *testing.T, text string) int {
	var i int
	if k := strings.Index(text, "["); k < 0 {
		t.Fatalf("no marker in %q", text)
	} else if _, err := fmt.Sscanf(text[k:], "[%02d]", &i); err != nil {
		t.Fatal(err)
	}
	return i
}

// TestPeerExercisesThirtyParticipants runs 30 participants through the six
// parts of an LCIII session via the API, with late submitters, a no-show
// reviewer, a lease taken over and an appeal, and checks every constraint.
func TestPeerExercisesThirtyParticipants(t *testing.T) {
	t.Parallel()
	w := newPeerWorld(t, 30)
	e := w.e
	ctx := context.Background()
	const noShow = 12 // submits on time in parts 1 and 2, never reviews there
	seenPairs := map[[2]string]int{}
	repeats, pairsTotal := 0, 0

	for n := 1; n <= 6; n++ {
		part := w.sess.Parts[n-1]
		rubric := w.rubric(t, n)
		lateA, lateB, absent := (3*n)%30, (3*n+1)%30, (3*n+2)%30

		// Before the part opens, nothing can be submitted.
		w.e.clock.Set(mustTime(part.OpensAt).Add(-time.Hour))
		if res := e.api("PUT", w.partPath(n)+"/submission", w.tokens[0], map[string]string{"text": "trop tôt"}); res.Status != http.StatusConflict {
			t.Fatalf("part %d before opening: %d", n, res.Status)
		}
		w.moveTo(t, part.OpensAt)
		for i := range w.people {
			if i == lateA || i == lateB || i == absent {
				continue
			}
			if res := e.api("PUT", w.partPath(n)+"/submission", w.tokens[i], map[string]string{"text": submissionText(i, n)}); res.Status != 200 {
				t.Fatalf("part %d submit %d: %d %s", n, i, res.Status, res.Body)
			}
		}
		// An edit before the deadline makes a second version.
		res := e.api("PUT", w.partPath(n)+"/submission", w.tokens[0], map[string]string{"text": submissionText(0, n) + "\n\nVersion revue."})
		var saved struct {
			Version int
			Late    bool
		}
		res.decode(t, &saved)
		if res.Status != 200 || saved.Version != 2 || saved.Late {
			t.Fatalf("part %d edit: %d %s", n, res.Status, res.Body)
		}
		if res := e.api("PUT", w.partPath(n)+"/submission", w.tokens[1], map[string]string{"text": strings.Repeat("a", grading.MaxTextBytes+1)}); res.Status != http.StatusRequestEntityTooLarge {
			t.Fatalf("text over 200 KB: %d", res.Status)
		}

		// The scheduler assigns at submission_due.
		w.moveTo(t, part.SubmissionDue)
		w.e.jobs.Tick(ctx)
		if res := e.api("PUT", w.partPath(n)+"/submission", w.tokens[0], map[string]string{"text": "modifié trop tard"}); res.Status != http.StatusConflict || res.errorCode() != "submissions_closed" {
			t.Fatalf("part %d edit after the deadline: %d %s", n, res.Status, res.Body)
		}
		// Assigning again (API) changes nothing.
		res = e.api("POST", w.partPath(n)+"/assign", w.atok, nil)
		if res.Status != 200 || !strings.Contains(string(res.Body), `"already_assigned":true`) {
			t.Fatalf("second assign: %d %s", res.Status, res.Body)
		}
		reviewsOf := map[string]int{}
		for i := range w.people {
			rs := w.myReviews(t, i, n)
			if i == lateA || i == lateB || i == absent {
				if len(rs) != 0 {
					t.Fatalf("part %d: non-submitter %d got %d reviews", n, i, len(rs))
				}
				continue
			}
			if len(rs) != 3 {
				t.Fatalf("part %d: submitter %d got %d reviews, want 3", n, i, len(rs))
			}
			authors := map[int]bool{}
			for _, r := range rs {
				a := w.authorOfText(t, r.Submission["text"].(string))
				if a == i || authors[a] {
					t.Fatalf("part %d: %d reviews own or duplicate work (%d)", n, i, a)
				}
				if strings.Contains(string(mustJSON(r)), w.people[a].ID) || strings.Contains(string(mustJSON(r)), w.people[a].Name) {
					t.Fatalf("a review task reveals its author")
				}
				authors[a] = true
				reviewsOf[w.people[a].ID]++
				key := [2]string{w.people[min(i, a)].ID, w.people[max(i, a)].ID}
				if seenPairs[key] > 0 {
					repeats++
				}
				pairsTotal++
				seenPairs[key]++
			}
		}
		for id, c := range reviewsOf {
			if c != 3 {
				t.Fatalf("part %d: %s has %d reviewers", n, id, c)
			}
		}

		// Two late submitters arrive during the review phase.
		for _, i := range []int{lateA, lateB} {
			res := e.api("PUT", w.partPath(n)+"/submission", w.tokens[i], map[string]string{"text": submissionText(i, n)})
			var late struct{ Late bool }
			res.decode(t, &late)
			if res.Status != 200 || !late.Late {
				t.Fatalf("part %d late submission %d: %d %s", n, i, res.Status, res.Body)
			}
		}

		// Reviews: everyone but the no-show; a bad review first.
		r0 := w.myReviews(t, 0, n)[0]
		bad := scoresFor(rubric, 50, 0)
		bad[rubric[0].ID] = rubric[0].MaxPoints + 1
		res = e.api("PUT", "/api/v1/reviews/"+r0.ID, w.tokens[0], map[string]any{"scores": bad, "comment": "Un commentaire assez long pour passer."})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.errorMessage(), rubric[0].Label) {
			t.Fatalf("out-of-range score: %d %s", res.Status, res.Body)
		}
		delete(bad, rubric[1].ID)
		bad[rubric[0].ID] = 0
		if res := e.api("PUT", "/api/v1/reviews/"+r0.ID, w.tokens[0], map[string]any{"scores": bad, "comment": "Un commentaire assez long pour passer."}); res.Status != 422 || !strings.Contains(res.errorMessage(), rubric[1].Label) {
			t.Fatalf("missing criterion: %d %s", res.Status, res.Body)
		}
		if res := e.api("PUT", "/api/v1/reviews/"+r0.ID, w.tokens[0], map[string]any{"scores": scoresFor(rubric, 50, 0), "comment": "Trop court"}); res.Status != 422 {
			t.Fatalf("short comment: %d", res.Status)
		}
		if res := e.api("PUT", "/api/v1/reviews/"+r0.ID, w.tokens[2], map[string]any{"scores": scoresFor(rubric, 50, 0), "comment": "Pas mon évaluation à faire du tout."}); res.Status != http.StatusNotFound {
			t.Fatalf("someone else's review (404, as for none): %d", res.Status)
		}
		for i := range w.people {
			if i == noShow && n <= 2 {
				continue // never turns up in parts 1 and 2
			}
			w.doReviews(t, i, n, rubric)
		}
		// Late submissions got reviewers among those who finished.
		for _, i := range []int{lateA, lateB} {
			rs, _ := w.e.srv.grading.Store.Reviews(ctx, w.sess.ID, n)
			got := 0
			for _, r := range rs {
				if r.AuthorID == w.people[i].ID {
					got++
					if r.Required {
						t.Fatal("late work counted as required review")
					}
				}
			}
			if got != 3 {
				t.Fatalf("part %d: late submitter %d has %d reviewers, want 3", n, i, got)
			}
		}
		// Extra reviews were handed to people who finished; do them.
		for i := range w.people {
			if i != noShow || n > 2 {
				w.doReviews(t, i, n, rubric)
			}
		}
		// The no-show's untouched reviews can be taken over once the lease ran out.
		if n <= 2 {
			if res := e.api("POST", w.partPath(n)+"/reviews/extra", w.tokens[1], nil); res.Status != http.StatusNotFound {
				t.Fatalf("take-over before the lease: %d %s", res.Status, res.Body)
			}
			lease := mustTime(part.ReviewDue).Sub(mustTime(part.SubmissionDue)) / 2
			w.e.clock.Set(mustTime(part.SubmissionDue).Add(lease + 2*time.Minute))
			res := e.api("POST", w.partPath(n)+"/reviews/extra", w.tokens[1], nil)
			if res.Status != http.StatusCreated {
				t.Fatalf("part %d take-over: %d %s", n, res.Status, res.Body)
			}
			w.doReviews(t, 1, n, rubric)
		}

		// The scheduler closes at review_due.
		w.moveTo(t, part.ReviewDue)
		w.e.jobs.Tick(ctx)
		if res := e.api("PUT", "/api/v1/reviews/"+r0.ID, w.tokens[0], map[string]any{"scores": scoresFor(rubric, 50, 0), "comment": "Un commentaire assez long pour passer."}); res.Status != http.StatusConflict {
			t.Fatalf("review after review_due: %d", res.Status)
		}
		// Every submission has a grade or is in the queue: none is silently ungraded.
		queue := map[string]bool{}
		var items []queueItemJSON
		e.api("GET", "/api/v1/sessions/"+w.sess.ID+"/corrections", w.atok, nil).decode(t, &items)
		for _, it := range items {
			queue[it.SubmissionID] = true
		}
		subs, _ := w.e.srv.grading.Store.Submissions(ctx, w.sess.ID, n)
		if len(subs) != 29 {
			t.Fatalf("part %d: %d submissions, want 29", n, len(subs))
		}
		for _, s := range subs {
			if s.Grade == nil && !queue[s.ID] {
				t.Fatalf("part %d: submission of %d neither graded nor queued", n, w.byID[s.AuthorID])
			}
			if want := truePercent(rubric, w.quality[w.byID[s.AuthorID]]); s.Grade != nil && math.Abs(s.Grade.Score-want) > 8 {
				t.Errorf("part %d: grade %.1f for a true %.1f", n, s.Grade.Score, want)
			}
		}
		// The author sees the grade and anonymous reviews.
		res = e.api("GET", w.partPath(n)+"/submission", w.tokens[25], nil)
		var mine struct {
			Grade *struct {
				gradeJSON
				PassMark float64 `json:"pass_mark"`
				Passed   bool
				Reason   string
			}
			Reviews []map[string]any
		}
		res.decode(t, &mine)
		sub25, _ := w.e.srv.grading.Store.SubmissionByAuthor(ctx, w.sess.ID, n, w.people[25].ID)
		rs25, _ := w.e.srv.grading.Store.ReviewsBySubmission(ctx, sub25.ID)
		done25 := 0
		for _, r := range rs25 {
			if r.Status == grading.ReviewDone {
				done25++
			}
		}
		if res.Status != 200 || mine.Grade == nil || mine.Grade.Source != "peers" || len(mine.Reviews) != done25 || done25 < 2 {
			t.Fatalf("part %d own submission (%d reviews done): %d %s", n, done25, res.Status, res.Body)
		}
		for _, id := range w.people {
			if strings.Contains(string(res.Body), id.ID) {
				t.Fatal("the author's view reveals a reviewer")
			}
		}
		// ... with the pass mark, the outcome, a reason and what each review counts.
		g := mine.Grade
		if g.PassMark != grading.PassMark || g.Passed != (g.Score >= grading.PassMark) || g.Reason == "" || strings.Contains(g.Reason, "grading.explain") {
			t.Errorf("part %d grade explained as %+v", n, g)
		}
		var weights float64
		for _, r := range mine.Reviews {
			wt, ok := r["weight"].(float64)
			if _, okc := r["corrected"].(float64); !ok || !okc || wt < 0 || wt > 1 {
				t.Errorf("part %d review without its weight and corrected score: %v", n, r)
			}
			weights += wt
		}
		if weights > 1.001 {
			t.Errorf("part %d review weights sum to %.3f", n, weights)
		}
		if n == 1 {
			b := e.browser()
			b.login(w.people[25])
			p := b.get("/sessions/" + w.sess.ID + "/parts/1")
			if reason := strings.TrimSpace(p.Doc.Find(".grade-reason").Text()); reason == "" || strings.Contains(reason, "grading.explain") || p.Doc.Find(".grade-pass .badge").Length() != 1 ||
				p.Doc.Find(".review-weight").Length() != done25 {
				t.Errorf("part page: reason %q, %d pass badges, %d review weights for %d reviews", reason, p.Doc.Find(".grade-pass .badge").Length(), p.Doc.Find(".review-weight").Length(), done25)
			}
		}
	}
	rate := float64(repeats) / float64(pairsTotal)
	t.Logf("repeat pairing across six parts: %d of %d (%.1f%%)", repeats, pairsTotal, 100*rate)
	// With 27 submitters a part and k = 3, six parts cannot avoid repeats:
	// 486 pairings among 435 possible pairs, and fewer within each part.
	// Ignoring the history gives about 39% (docs/performance.md).
	if rate > 0.30 {
		t.Fatalf("repeat pairing rate %.1f%% is too high for 30 people", 100*rate)
	}

	// Appeal: participant 25 flags a review of part 1; the animator grades.
	var mine struct {
		ID      string
		Reviews []receivedReviewJSON
	}
	e.api("GET", w.partPath(1)+"/submission", w.tokens[25], nil).decode(t, &mine)
	if res := e.api("POST", "/api/v1/reviews/"+mine.Reviews[0].ID+"/flag", w.tokens[6], map[string]string{"reason": "Ce n'est pas mon travail mais je conteste."}); res.Status != 404 {
		t.Fatalf("flagging someone else's review: %d", res.Status)
	}
	if res := e.api("POST", "/api/v1/reviews/"+mine.Reviews[0].ID+"/flag", w.tokens[25], map[string]string{"reason": "court"}); res.Status != 422 {
		t.Fatalf("short reason: %d", res.Status)
	}
	if res := e.api("POST", "/api/v1/reviews/"+mine.Reviews[0].ID+"/flag", w.tokens[25], map[string]string{"reason": "Le commentaire ne correspond pas à mon travail."}); res.Status != 200 {
		t.Fatalf("flag: %d %s", res.Status, res.Body)
	}
	var items []queueItemJSON
	e.api("GET", "/api/v1/sessions/"+w.sess.ID+"/corrections", w.atok, nil).decode(t, &items)
	var appeal *queueItemJSON
	for i := range items {
		if items[i].SubmissionID == mine.ID {
			appeal = &items[i]
		}
	}
	if appeal == nil || !contains(appeal.Reasons, "appeal") || len(appeal.Reviews) < 3 {
		t.Fatalf("appeal not in the queue: %+v", items)
	}
	if items[0].Reasons[0] != "missing_reviews" && items[0].Reasons[0] != "appeal" {
		t.Fatalf("queue not sorted by urgency: first is %v", items[0].Reasons)
	}
	if res := e.api("PUT", "/api/v1/submissions/"+mine.ID+"/grade", w.tokens[6], map[string]any{"score": 90, "comment": "x"}); res.Status != 404 { // not theirs to see: 404, as for a missing one (issue #14 item 5)
		t.Fatalf("participant grading: %d", res.Status)
	}
	if res := e.api("PUT", "/api/v1/submissions/"+mine.ID+"/grade", w.atok, map[string]any{"score": 101, "comment": "x"}); res.Status != 422 {
		t.Fatalf("grade 101: %d", res.Status)
	}
	if res := e.api("PUT", "/api/v1/submissions/"+mine.ID+"/grade", w.atok, map[string]any{"score": 88, "comment": "Revu après contestation."}); res.Status != 200 {
		t.Fatalf("animator grade: %d %s", res.Status, res.Body)
	}
	var after struct{ Grade *gradeJSON }
	e.api("GET", w.partPath(1)+"/submission", w.tokens[25], nil).decode(t, &after)
	if after.Grade == nil || after.Grade.Score != 88 || after.Grade.Source != "animator" {
		t.Fatalf("grade after the animator: %+v", after.Grade)
	}
	e.api("GET", "/api/v1/sessions/"+w.sess.ID+"/corrections", w.atok, nil).decode(t, &items)
	for _, it := range items {
		if it.SubmissionID == mine.ID {
			t.Fatal("a resolved appeal is still in the queue")
		}
	}
	// The animator grades the first queue item with the rubric on its page,
	// which links to the next item; the grade is the points' share of the
	// rubric's total.
	if len(items) == 0 {
		t.Fatal("the queue is empty, the test needs an item")
	}
	{
		ab := e.browser()
		ab.login(w.anim)
		// The head of the queue the animators can handle is urgent, on
		// the API and as a badge on the queue page's rows.
		urgent := 0
		for i, it := range items {
			if it.Urgent {
				if i != urgent {
					t.Errorf("urgent item %d after a non-urgent one", i)
				}
				urgent++
			}
		}
		if urgent == 0 {
			t.Error("no item of the queue is urgent")
		}
		if got := ab.get("/sessions/" + w.sess.ID + "/corrections").Doc.Find("tbody .badge.reason-urgent").Length(); got != min(urgent, 50) {
			t.Errorf("%d urgent badges on the queue page, want %d", got, min(urgent, 50))
		}
		first := items[0].SubmissionID
		// The resolved appeal's page leads to the queue's first item.
		if href, _ := ab.get("/submissions/" + mine.ID).Doc.Find("a.next-item").First().Attr("href"); href != "/submissions/"+first {
			t.Errorf("next item link %q, want /submissions/%s", href, first)
		}
		p := ab.get("/submissions/" + first)
		sub, err := e.srv.grading.Store.SubmissionByID(ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		rubric := w.rubric(t, sub.Part)
		if got := p.Doc.Find(`fieldset.rubric input[name^="score_"]`).Length(); got != len(rubric) {
			t.Fatalf("the grade form has %d rubric fields for %d criteria", got, len(rubric))
		}
		form := url.Values{"_csrf": {ab.csrf("/submissions/" + first)}, "comment": {"Noté avec la grille."}}
		var sum, total int
		for i, c := range rubric {
			form.Set("score_"+c.ID, strconv.Itoa(c.MaxPoints-i%2))
			sum, total = sum+c.MaxPoints-i%2, total+c.MaxPoints
		}
		form.Set("score_"+rubric[0].ID, strconv.Itoa(rubric[0].MaxPoints+1))
		if res := ab.post("/submissions/"+first+"/grade", form); res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("rubric grade beyond a criterion's points: %d", res.Status)
		} else if v, _ := res.Doc.Find("#score_" + rubric[0].ID).Attr("value"); v != strconv.Itoa(rubric[0].MaxPoints+1) {
			t.Errorf("the points typed are not shown again: %q", v)
		}
		form.Set("score_"+rubric[0].ID, strconv.Itoa(rubric[0].MaxPoints))
		if res := ab.post("/submissions/"+first+"/grade", form); res.Status != http.StatusSeeOther {
			t.Fatalf("rubric grade: %d %s", res.Status, res.Doc.Find(".alert").Text())
		}
		sub, _ = e.srv.grading.Store.SubmissionByID(ctx, first)
		if want := math.Round(1000*float64(sum)/float64(total)) / 10; sub.Animator == nil || sub.Animator.Score != want {
			t.Errorf("rubric grade stored as %+v, want %.1f", sub.Animator, want)
		}
	}
	// Missing reviews: the absent submitters never submitted; the no-show's
	// untaken reviews left nobody short, so the queue holds no ungraded work.
	for _, it := range items {
		if it.Grade == nil && !contains(it.Reasons, "missing_reviews") {
			t.Fatalf("ungraded item without reason: %+v", it)
		}
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
