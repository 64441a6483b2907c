package mongostore_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"librecours/app/mongostore"
	"librecours/app/mongostore/storetest"
	"librecours/grading"
)

// TestMirrorAgreesWithTheDatabase makes random writes through a store whose
// reads are answered by the in-memory mirrors (the embedded database's
// setting), and after each one compares its answers with those of a second
// client that reads the database itself.
func TestMirrorAgreesWithTheDatabase(t *testing.T) {
	d := storetest.Open(t, storetest.Options{})
	if d.Server == nil {
		t.Skip("mirrors are for the embedded database")
	}
	ctx := t.Context()
	plain, err := mongostore.Connect(mongostore.Options{URI: d.Server.URI(), Database: d.Name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = plain.Close(ctx) })
	mirrored, direct := mongostore.NewGradingStore(d.DB), mongostore.NewGradingStore(plain)

	rnd := rand.New(rand.NewPCG(7, 2026)) // #nosec G404 -- reproducible test data
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	sessions := []string{"s1", "s2"}
	people := []string{"u0", "u1", "u2", "u3", "u4", "u5"}
	pick := func(xs []string) string { return xs[rnd.IntN(len(xs))] }
	var subs, reviews []string

	check := func(step string) {
		t.Helper()
		type query struct {
			name string
			run  func(s *mongostore.GradingStore) (any, error)
		}
		var queries []query
		for _, sid := range sessions {
			queries = append(queries,
				query{"submissions " + sid, func(s *mongostore.GradingStore) (any, error) { return s.Submissions(ctx, sid, 0) }},
				query{"submissions part 1 " + sid, func(s *mongostore.GradingStore) (any, error) { return s.Submissions(ctx, sid, 1) }},
				query{"reviews " + sid, func(s *mongostore.GradingStore) (any, error) { return s.Reviews(ctx, sid, 0) }},
				query{"reviews part 2 " + sid, func(s *mongostore.GradingStore) (any, error) { return s.Reviews(ctx, sid, 2) }})
			for _, u := range people[:3] {
				queries = append(queries,
					query{"reviews by " + u, func(s *mongostore.GradingStore) (any, error) { return s.ReviewsByReviewer(ctx, sid, u) }},
					query{"submissions by " + u, func(s *mongostore.GradingStore) (any, error) { return s.SubmissionsByAuthor(ctx, sid, u) }})
			}
		}
		if len(subs) > 0 {
			ids := []string{subs[rnd.IntN(len(subs))], subs[rnd.IntN(len(subs))], "missing"}
			queries = append(queries,
				query{"submissions by id", func(s *mongostore.GradingStore) (any, error) { return s.SubmissionsByIDs(ctx, ids) }},
				query{"reviews of a submission", func(s *mongostore.GradingStore) (any, error) { return s.ReviewsBySubmission(ctx, ids[0]) }})
		}
		for _, q := range queries {
			want, err := q.run(direct)
			if err != nil {
				t.Fatalf("%s, %s from the database: %v", step, q.name, err)
			}
			got, err := q.run(mirrored)
			if err != nil {
				t.Fatalf("%s, %s from the mirror: %v", step, q.name, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("%s: %s differs (-database +mirror):\n%s", step, q.name, diff)
			}
		}
	}

	for i := range 120 {
		at = at.Add(time.Minute)
		var step string
		switch op := rnd.IntN(7); {
		case op == 0 || len(subs) < 4:
			sid, author, part := pick(sessions), pick(people), 1+rnd.IntN(3)
			sub := &grading.Submission{SessionID: sid, Part: part, AuthorID: author, Text: fmt.Sprint("text ", i), SubmittedAt: at, UpdatedAt: at}
			if prev, err := mirrored.SubmissionByAuthor(ctx, sid, part, author); err == nil {
				sub = prev
				sub.Text, sub.UpdatedAt = fmt.Sprint("text ", i), at
			}
			if err := mirrored.SaveSubmission(ctx, sub, grading.Version{Text: sub.Text, At: at}); err != nil {
				t.Fatal(err)
			}
			subs = append(subs, sub.ID)
			step = "submit"
		case op == 1:
			sub, err := mirrored.SubmissionByID(ctx, pick(subs))
			if err != nil {
				t.Fatal(err)
			}
			var rs []grading.Review
			for k := range 1 + rnd.IntN(3) {
				id := fmt.Sprintf("r%d-%d", i, k)
				rs = append(rs, grading.Review{ID: id, SessionID: sub.SessionID, Part: sub.Part, SubmissionID: sub.ID, AuthorID: sub.AuthorID,
					ReviewerID: pick(people), Status: grading.ReviewAssigned, AssignedAt: at, UpdatedAt: at, Required: true})
				reviews = append(reviews, id)
			}
			if err := mirrored.InsertReviews(ctx, rs); err != nil {
				t.Fatal(err)
			}
			step = "assign"
		case op == 2 && len(reviews) > 0:
			r, err := mirrored.ReviewByID(ctx, pick(reviews))
			if err != nil {
				t.Fatal(err)
			}
			done := at
			r.Status, r.Scores, r.Comment, r.UpdatedAt, r.DoneAt = grading.ReviewDone, map[string]int{"c": rnd.IntN(5)}, fmt.Sprint("c", i), at, &done
			if err := mirrored.SaveReview(ctx, *r); err != nil {
				t.Fatal(err)
			}
			step = "save review"
		case op == 3 && len(reviews) > 0:
			r, err := mirrored.ReviewByID(ctx, pick(reviews))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := mirrored.TakeOver(ctx, r.ID, r.ReviewerID, pick(people), at, at); err != nil {
				t.Fatal(err)
			}
			step = "take over"
		case op == 4:
			grades := map[string]grading.Grade{}
			for range 3 {
				grades[pick(subs)] = grading.Grade{Score: float64(rnd.IntN(100)), Source: "peers", ComputedAt: at}
			}
			if err := mirrored.SetGrades(ctx, grades); err != nil {
				t.Fatal(err)
			}
			step = "grades"
		case op == 5:
			if err := mirrored.MarkQueued(ctx, []string{pick(subs), pick(subs)}, at); err != nil {
				t.Fatal(err)
			}
			step = "queue"
		default:
			if len(reviews) == 0 {
				continue
			}
			if err := mirrored.SetFlag(ctx, pick(reviews), grading.Flag{Reason: "unfair", At: at}); err != nil && err != grading.ErrAlreadyFlagged {
				t.Fatal(err)
			}
			step = "flag"
		}
		check(fmt.Sprintf("step %d (%s)", i, step))
	}

	// The staff view's stamp moves with a write to the session, not with a
	// write elsewhere.
	before, ok, err := mirrored.GradingStamp(ctx, "s1")
	if err != nil || !ok {
		t.Fatalf("stamp: %v %v", ok, err)
	}
	if again, _, _ := mirrored.GradingStamp(ctx, "s1"); again != before {
		t.Fatalf("the stamp moved without a write: %s, then %s", before, again)
	}
	other := &grading.Submission{SessionID: "s2", Part: 1, AuthorID: "someone else", Text: "x", SubmittedAt: at, UpdatedAt: at}
	if err := mirrored.SaveSubmission(ctx, other, grading.Version{Text: "x", At: at}); err != nil {
		t.Fatal(err)
	}
	if again, _, _ := mirrored.GradingStamp(ctx, "s1"); again != before {
		t.Fatalf("a write to another session moved the stamp: %s, then %s", before, again)
	}
	mine := &grading.Submission{SessionID: "s1", Part: 1, AuthorID: "someone else", Text: "x", SubmittedAt: at, UpdatedAt: at}
	if err := mirrored.SaveSubmission(ctx, mine, grading.Version{Text: "x", At: at}); err != nil {
		t.Fatal(err)
	}
	if again, _, _ := mirrored.GradingStamp(ctx, "s1"); again == before {
		t.Fatal("a write to the session left the stamp as it was")
	}
	if _, ok, _ := direct.GradingStamp(ctx, "s1"); ok {
		t.Fatal("a store without mirrors gave a stamp")
	}
}
