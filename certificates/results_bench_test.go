package certificates

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"librecours/course"
	"librecours/grading"
)

// benchStore and benchGrading answer the few reads compute makes; any other
// call would panic on the nil interface they embed.
type benchStore struct {
	Store
	declined map[string]bool
}

func (s benchStore) Rules(context.Context, string) (Rules, error) { return DefaultRules(), nil }
func (s benchStore) Declined(context.Context, string) (map[string]bool, error) {
	return s.declined, nil
}
func (s benchStore) Overrides(context.Context, string) (map[string]Override, error) {
	return map[string]Override{}, nil
}

type benchGrading struct{ grading.Store }

func (benchGrading) PartStates(context.Context, string) ([]grading.PartState, error) {
	return nil, nil
}

// BenchmarkResults computes a session's results table (every participant's
// grades, reviews on time, evaluation score, level and what is missing) from
// values in memory: n participants, six graded parts, three reviews per
// part each, as the results page and the session close do after reading
// them with a constant number of queries.
//
//	go test ./certificates -run '^$' -bench Results -benchmem
func BenchmarkResults(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("participants=%d", n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(6, uint64(n))) // #nosec G404 -- benchmark data
			start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
			sess := &course.Session{ID: "s"}
			for p := 1; p <= PartCount; p++ {
				sess.Parts = append(sess.Parts, course.Part{Number: p, ReviewDue: start.AddDate(0, 0, 7*p+7)})
			}
			in := resultInput{scores: make(map[string]float64, n), users: make([]*course.User, n),
				subs: make([]*grading.Submission, 0, PartCount*n), reviews: make([]grading.Review, 0, 3*PartCount*n)}
			declined := map[string]bool{}
			for i := range n {
				u := &course.User{ID: fmt.Sprintf("u%07d", i), Name: fmt.Sprintf("Participant %07d", rng.IntN(n))}
				in.users[i] = u
				if rng.IntN(10) == 0 {
					declined[u.ID] = true
				}
				if rng.IntN(10) != 0 {
					in.scores[u.ID] = float64(rng.IntN(101))
				}
				for p := 1; p <= PartCount; p++ {
					in.subs = append(in.subs, &grading.Submission{AuthorID: u.ID, Part: p, Grade: &grading.Grade{Score: float64(rng.IntN(101))}})
					for k := range 3 {
						done := start.AddDate(0, 0, 7*p+rng.IntN(9))
						in.reviews = append(in.reviews, grading.Review{Part: p, ReviewerID: u.ID, AuthorID: fmt.Sprint(k),
							Required: true, Status: grading.ReviewDone, DoneAt: &done})
					}
				}
			}
			s := &Service{Store: benchStore{declined: declined}, Grading: benchGrading{}}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				out, _, err := s.compute(ctx, sess, in)
				if err != nil || len(out) != n {
					b.Fatalf("%d results, %v", len(out), err)
				}
			}
		})
	}
}
