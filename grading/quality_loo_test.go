package grading

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func TestWithoutReview(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                   string
		grade, weight, correct float64
		want                   float64
		ok                     bool
	}{
		// 0.3·(70+72+100) + 0.1·65 = 79.1: without the 100, (79.1 − 30)/0.7.
		{"a share taken out, prior kept", 79.1, 0.3, 100, 49.1 / 0.7, true},
		{"a review that weighs nothing leaves the grade", 62.4, 0, 10, 62.4, true},
		{"half of 80 is a 100: the other half says 60", 80, 0.5, 100, 60, true},
		{"clamped above", 90, 0.5, 0, 100, true},
		{"clamped below", 10, 0.5, 100, 0, true},
		{"the whole grade: nothing left", 70, 1, 70, 0, false},
		{"all but 1e-12 of the grade: nothing left", 70, 1 - 1e-12, 70, 0, false},
		{"NaN grade", math.NaN(), 0.3, 50, 0, false},
		{"NaN weight", 50, math.NaN(), 50, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := withoutReview(tt.grade, tt.weight, tt.correct)
			if ok != tt.ok || math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("withoutReview(%v, %v, %v) = %v, %v; want %v, %v", tt.grade, tt.weight, tt.correct, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestQualityConsensusCases: what ReviewerQualities compares a review of
// "w" by x with, for each kind of stored grade. Only the grade is read: one
// participant's standing knows no one else's reviews, and must find the
// same as the session's table.
func TestQualityConsensusCases(t *testing.T) {
	t.Parallel()
	model := func(score float64, shares ...ReviewShare) *Submission {
		return &Submission{ID: "w", Grade: &Grade{Score: score, Source: SourcePeers, Method: GradeMethodPeersModel, Reviews: shares}}
	}
	sh := func(v string, w, c float64) ReviewShare { return ReviewShare{ReviewerID: v, Weight: w, Corrected: c} }
	median := &Submission{ID: "w", Grade: &Grade{Score: 70, Source: SourcePeers, Method: GradeMethodPeersMedian,
		Reviews: []ReviewShare{sh("a", 1.0/3, 60), sh("b", 1.0/3, 70), sh("x", 1.0/3, 100)}}}
	tests := []struct {
		name string
		sub  *Submission
		want float64
		ok   bool
	}{
		{"unknown work: none", nil, 0, false},
		{"no grade yet: none", &Submission{ID: "w"}, 0, false},
		{"animator's grade", &Submission{ID: "w", Grade: &Grade{Score: 42, Source: SourceAnimator, Method: GradeMethodAnimator}}, 42, true},
		{"animator's grade kept beside the peer grade", &Submission{ID: "w", Animator: &AnimatorGrade{Score: 38}, Grade: model(71.3, sh("x", 0.6, 100)).Grade}, 38, true},
		{"confirmed peer grade: the animator's score, as the model takes it",
			&Submission{ID: "w", Animator: &AnimatorGrade{Score: 71.3, Confirm: true}, Grade: model(71.3, sh("a", 0.3, 60), sh("b", 0.3, 70), sh("x", 0.3, 100)).Grade},
			71.3, true},
		// Score 0.3·(60+70+100) + 0.1·65 = 75.5; without x (75.5 − 30)/0.7.
		{"model grade: the grade without x, prior included", model(75.5, sh("a", 0.3, 60), sh("b", 0.3, 70), sh("x", 0.3, 100)), 65, true},
		{"model grade, x alone: none, not the prior", model(90, sh("x", 0.6, 100)), 0, false},
		{"model grade, x is all of it: none", model(70, sh("a", 1e-13, 60), sh("x", 1-1e-13, 70)), 0, false},
		{"model grade that did not count x (handed in after it): the grade", model(66, sh("a", 0.45, 60), sh("b", 0.45, 70)), 66, true},
		{"model grade no review made: none", model(65), 0, false},
		{"median grade: the median of the other reviews it used", median, 65, true},
		{"median grade, x alone", &Submission{ID: "w", Grade: &Grade{Score: 100, Source: SourcePeers, Method: GradeMethodPeersMedian,
			Reviews: []ReviewShare{sh("x", 1, 100)}}}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok, _ := qualityConsensus(tt.sub, "x", nil)
			if ok != tt.ok || math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("consensus = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestQualityConsensusMatchesModel runs the model on a simulated cohort,
// keeps its grades as the platform does (grade), and checks, review by
// review, that the consensus ReviewerQualities reads from the stored grades
// is the one ReviewerStats.Quality used (othersSay), and reviewer by
// reviewer that the agreement and Quality are equal. The model's grades are
// also checked against the exact posterior mean without the review, which
// the stored values give back up to the 0.1 the grade is kept to.
func TestQualityConsensusMatchesModel(t *testing.T) {
	t.Parallel()
	in, _ := aggSimCohort(t, rand.New(rand.NewPCG(12, 7)),
		aggSimSetting{name: "loo", n: 40, parts: 3, k: 3, biasSD: 10, noiseLo: 3, noiseHi: 15, careless: 0.1, animator: 0.05})
	for i := range 6 { // a constant, hence suspect, reviewer
		in.Reviews = append(in.Reviews, PeerScore{ReviewerID: "const", SubmissionID: fmt.Sprintf("p0-s%04d", i), Score: 50})
	}
	in.Reviews = append(in.Reviews, PeerScore{ReviewerID: "r0001", SubmissionID: "lone", Score: 77})
	for _, tc := range []struct {
		name string
		opts AggregateOptions
		want GradeMethod // what most grades are
	}{
		{"model", AggregateOptions{}, GradeMethodPeersModel},
		{"fell back to medians", AggregateOptions{MaxIterations: 1}, GradeMethodPeersMedian},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o, err := tc.opts.aggResolve()
			if err != nil {
				t.Fatal(err)
			}
			g, err := aggBuildGraph(in)
			if err != nil {
				t.Fatal(err)
			}
			m := aggNewModel(g, o)
			m.plan()
			if m.modelRan {
				m.run()
			}
			res := m.result()
			subs, rs := aggStored(in, res)
			byID := map[string]*Submission{}
			for _, s := range subs {
				byID[s.ID] = s
			}
			kinds := map[GradeMethod]int{}
			var suspect, exactChecked float64
			for v := range g.revIDs {
				for p := g.revStart[v]; p < g.revStart[v+1]; p++ {
					u := g.revSub[p]
					want, wok, _ := m.othersSay(p, res.Submissions, nil)
					got, gok, _ := qualityConsensus(byID[g.subIDs[u]], g.revIDs[v], nil)
					if gok != wok || math.Abs(got-want) > 1e-9 {
						t.Fatalf("%s on %s: ReviewerQualities %v, %v; Quality %v, %v", g.revIDs[v], g.subIDs[u], got, gok, want, wok)
					}
					method := res.Submissions[u].Method
					if !wok {
						method = "none"
					}
					kinds[method]++
					if m.revs[v].suspect != "" {
						suspect++
					}
					if method != GradeMethodPeersModel {
						continue
					}
					// The exact posterior mean without review q, when nothing
					// was clamped: the stored values differ by the grade's
					// rounding, at most 0.05/(1 − w).
					q := g.revP[p]
					r, su := m.revs[v], m.subs[u]
					x, t_ := g.subZ[q]-m.common-r.b, r.prec(m.w[q])
					if exact := (su.num - t_*x) / (su.prec - t_); x >= 0 && x <= 100 && su.s >= 0 && su.s <= 100 && exact >= 0 && exact <= 100 {
						if d := math.Abs(got-exact) * (1 - t_/su.prec); d > 0.05+1e-9 {
							t.Errorf("%s on %s: %v, the exact leave-one-out is %v", g.revIDs[v], g.subIDs[u], got, exact)
						}
						exactChecked++
					}
				}
			}
			if kinds[tc.want] < 200 || kinds["none"] == 0 || kinds[GradeMethodAnimator] == 0 || suspect == 0 {
				t.Errorf("reviews compared by grade kind %v, %v by the suspect: the cohort misses a case", kinds, suspect)
			}
			if tc.want == GradeMethodPeersModel && exactChecked < 200 {
				t.Errorf("%v reviews checked against the exact leave-one-out, want 200 or more", exactChecked)
			}
			qs := ReviewerQualities(subs, rs)
			for _, st := range res.Reviewers {
				q := qs[st.ReviewerID]
				switch {
				case q.Agreement == nil && st.Quality != 0:
					t.Errorf("%s: no agreement, Quality %v", st.ReviewerID, st.Quality)
				case q.Agreement != nil && math.Abs(*q.Agreement-st.Quality) > 1e-9:
					t.Errorf("%s: agreement %v, Quality %v", st.ReviewerID, *q.Agreement, st.Quality)
				}
			}
		})
	}
}

// aggStored is what the platform keeps of an aggregation (Service.grade):
// the submissions with their grades, an animator's as AnimatorGrade, and
// the handed-in reviews.
func aggStored(in AggregateInput, res AggregateResult) ([]*Submission, []Review) {
	var subs []*Submission
	for _, g := range res.Submissions {
		s := &Submission{ID: g.SubmissionID}
		if a, ok := in.AnimatorGrades[g.SubmissionID]; ok {
			s.Animator = &AnimatorGrade{Score: a}
			s.Grade = &Grade{Score: a, Source: SourceAnimator, Method: GradeMethodAnimator, ReviewCount: g.ReviewCount}
		} else if g.ReviewCount > 0 {
			s.Grade = &Grade{Score: round1(g.Grade), Source: SourcePeers, Method: g.Method, ReviewCount: g.ReviewCount,
				Disagreement: g.Disagreement, SD: g.SD, PriorShare: g.PriorShare, Reviews: g.Reviews}
		}
		subs = append(subs, s)
	}
	rs := make([]Review, len(in.Reviews))
	for i, r := range in.Reviews {
		rs[i] = Review{ID: fmt.Sprint(i), SubmissionID: r.SubmissionID, ReviewerID: r.ReviewerID, Status: ReviewDone, Percent: r.Score}
	}
	return subs, rs
}
