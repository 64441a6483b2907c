package grading_test

import (
	"math"
	"strings"
	"testing"

	"librecours/grading"
)

func TestReviewQuality(t *testing.T) {
	t.Parallel()
	f := func(x float64) *float64 { return &x }
	long := strings.Repeat("x", grading.QualityCommentTarget)
	half := strings.Repeat("é", grading.QualityCommentTarget/2)
	tests := []struct {
		name    string
		in      []grading.QualityReview
		ok      bool
		score   float64
		agree   *float64
		helpful *float64
		rated   int
	}{
		{name: "no review", in: nil},
		{name: "perfect agreement, full comment, not rated: (0.5·100 + 0.2·100)/0.7",
			in: []grading.QualityReview{{Percent: 70, Consensus: f(70), Comment: long}}, ok: true, score: 100, agree: f(100)},
		{name: "15 points off, half a comment: (0.5·50 + 0.2·50)/0.7",
			in: []grading.QualityReview{{Percent: 85, Consensus: f(70), Comment: half}}, ok: true, score: 50, agree: f(50)},
		{name: "30 points off or more counts 0",
			in: []grading.QualityReview{{Percent: 100, Consensus: f(40), Comment: long}}, ok: true, score: 28.6, agree: f(0)},
		{name: "no grade yet: comments and helpfulness only, (0.2·100 + 0.3·75)/0.5",
			in: []grading.QualityReview{{Percent: 60, Comment: long, Helpfulness: 4}}, ok: true, score: 85, helpful: f(4), rated: 1},
		{name: "helpfulness counts: 5 and 1 rate 3, i.e. 50",
			in: []grading.QualityReview{
				{Percent: 70, Consensus: f(70), Comment: long, Helpfulness: 5},
				{Percent: 70, Consensus: f(70), Comment: long, Helpfulness: 1},
			}, ok: true, score: 85, agree: f(100), helpful: f(3), rated: 2},
		{name: "unhelpful, empty comments, far off: 0",
			in: []grading.QualityReview{{Percent: 0, Consensus: f(90), Helpfulness: 1}}, ok: true, score: 0, agree: f(0), helpful: f(1), rated: 1},
		{name: "ratings out of range are ignored",
			in: []grading.QualityReview{{Percent: 70, Consensus: f(70), Comment: long, Helpfulness: 9}}, ok: true, score: 100, agree: f(100)},
		{name: "mean gap over the graded only",
			in: []grading.QualityReview{
				{Percent: 70, Consensus: f(64), Comment: long},
				{Percent: 80, Comment: long},
			}, ok: true, score: 85.7, agree: f(80)}, // (0.5·80 + 0.2·100)/0.7
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, ok := grading.ReviewQuality(tt.in)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			if q.Score != tt.score {
				t.Errorf("score = %v, want %v", q.Score, tt.score)
			}
			if !sameFloat(q.Agreement, tt.agree) {
				t.Errorf("agreement = %v, want %v", fmtPtr(q.Agreement), fmtPtr(tt.agree))
			}
			if !sameFloat(q.Helpfulness, tt.helpful) || q.Rated != tt.rated {
				t.Errorf("helpfulness = %v (%d rated), want %v (%d)", fmtPtr(q.Helpfulness), q.Rated, fmtPtr(tt.helpful), tt.rated)
			}
			if q.Reviews != len(tt.in) {
				t.Errorf("reviews = %d, want %d", q.Reviews, len(tt.in))
			}
		})
	}
}

func sameFloat(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return math.Abs(*a-*b) < 1e-9
}

func fmtPtr(p *float64) any {
	if p == nil {
		return "none"
	}
	return *p
}

func TestReviewerQualities(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", grading.QualityCommentTarget)
	subs := []*grading.Submission{
		{ID: "s1", Grade: &grading.Grade{Score: 70, Source: grading.SourceAnimator, Method: grading.GradeMethodAnimator}},
		{ID: "s2"}, // not graded, reviewed by good alone
	}
	rs := []grading.Review{
		{ID: "a", SubmissionID: "s1", ReviewerID: "good", Status: grading.ReviewDone, Percent: 70, Comment: long,
			Reply: &grading.Reply{Text: "Merci", Helpfulness: 5}},
		{ID: "b", SubmissionID: "s2", ReviewerID: "good", Status: grading.ReviewDone, Percent: 50, Comment: long},
		{ID: "c", SubmissionID: "s1", ReviewerID: "lazy", Status: grading.ReviewDone, Percent: 100,
			Reply: &grading.Reply{Helpfulness: 1}},
		{ID: "d", SubmissionID: "s1", ReviewerID: "absent", Status: grading.ReviewAssigned, Percent: 70, Comment: long},
	}
	got := grading.ReviewerQualities(subs, rs)
	if _, ok := got["absent"]; ok || len(got) != 2 {
		t.Fatalf("scored %v, want good and lazy only", got)
	}
	// good: agrees with the animator on s1; s2, which nobody else
	// reviewed, has no agreement part.
	if g := got["good"]; g.Score != 100 || g.Reviews != 2 || g.Rated != 1 || !sameFloat(g.Agreement, ptr(100)) {
		t.Errorf("good = %+v (agreement %v), want 100 over 2 reviews, 1 rated, agreement 100", g, fmtPtr(g.Agreement))
	}
	// lazy: agreement 0 (30 off the animator), comments 0, helpfulness 0.
	if l := got["lazy"]; l.Score != 0 || l.Rated != 1 {
		t.Errorf("lazy = %+v, want 0", l)
	}
}

func ptr(x float64) *float64 { return &x }

// TestReviewerQualitiesLeaveOneOut: a lone extreme reviewer pulls the peer
// grades toward their own scores; compared with those grades they would
// look fairly close. The consensus they are compared with is what the
// other reviews say, so their pull does not flatter them.
func TestReviewerQualitiesLeaveOneOut(t *testing.T) {
	t.Parallel()
	var subs []*grading.Submission
	var rs []grading.Review
	for i, w := range []string{"w1", "w2", "w3"} {
		// a and b agree around 70; x gives 100. Each review weighs 0.3, the
		// prior (65) 0.1: the grade is 78.5+0.6i, pulled up 9 points by x.
		a, b := 69.0+float64(i), 71.0+float64(i)
		grade := &grading.Grade{Score: 0.3*(a+b+100) + 0.1*65, Source: grading.SourcePeers, Method: grading.GradeMethodPeersModel,
			Reviews: []grading.ReviewShare{{ReviewerID: "a", Corrected: a, Weight: 0.3}, {ReviewerID: "b", Corrected: b, Weight: 0.3},
				{ReviewerID: "x", Corrected: 100, Weight: 0.3}}, PriorShare: 0.1}
		subs = append(subs, &grading.Submission{ID: w, Grade: grade})
		for v, z := range map[string]float64{"a": a, "b": b, "x": 100} {
			rs = append(rs, grading.Review{ID: w + v, SubmissionID: w, ReviewerID: v, Status: grading.ReviewDone, Percent: z})
		}
	}
	// A work graded by the median of its reviews (its shares name them, as
	// the platform keeps a median), and one that only x reviewed, with a
	// peer grade: the latter has no consensus without x.
	third := 1.0 / 3
	subs = append(subs, &grading.Submission{ID: "m", Grade: &grading.Grade{Score: 80, Source: grading.SourcePeers, Method: grading.GradeMethodPeersMedian,
		Reviews: []grading.ReviewShare{{ReviewerID: "a", Corrected: 60, Weight: third}, {ReviewerID: "b", Corrected: 80, Weight: third},
			{ReviewerID: "x", Corrected: 100, Weight: third}}}},
		&grading.Submission{ID: "lone", Grade: &grading.Grade{Score: 90, Source: grading.SourcePeers, Method: grading.GradeMethodPeersModel,
			Reviews: []grading.ReviewShare{{ReviewerID: "x", Corrected: 100, Weight: 0.6}}}})
	rs = append(rs,
		grading.Review{ID: "ma", SubmissionID: "m", ReviewerID: "a", Status: grading.ReviewDone, Percent: 60},
		grading.Review{ID: "mb", SubmissionID: "m", ReviewerID: "b", Status: grading.ReviewDone, Percent: 80},
		grading.Review{ID: "mx", SubmissionID: "m", ReviewerID: "x", Status: grading.ReviewDone, Percent: 100},
		grading.Review{ID: "lx", SubmissionID: "lone", ReviewerID: "x", Status: grading.ReviewDone, Percent: 100})
	got := grading.ReviewerQualities(subs, rs)
	// x: on w_i the grade without x is (78.5+0.6i − 0.3·100)/0.7 =
	// 69.29+0.86i (the prior's 65 is part of it), 30.71, 29.86 and 29 off;
	// 30 off the median of 60 and 80 on m; "lone" has no agreement part:
	// mean gap 29.89, agreement 100·(1 − 29.89/30) = 5/14. Against the
	// grades (21.5, 20.9, 20.3, 20 and 10 off) it would have been 38.
	x := got["x"]
	if !sameFloat(x.Agreement, ptr(5.0/14)) {
		t.Errorf("x agreement %v, want 5/14 = 0.357 (the grade without x, not the grades x pulled)", fmtPtr(x.Agreement))
	}
	// a: on w_i the grade without a is (78.5+0.6i − 0.3(69+i))/0.7 =
	// 82.57+0.43i, 13.57, 13 and 12.43 off a's 69+i; on m, the median of
	// 80 and 100 is 90, 30 off: mean gap 17.25, agreement 42.5.
	if a := got["a"]; !sameFloat(a.Agreement, ptr(42.5)) {
		t.Errorf("a agreement %v, want 42.5", fmtPtr(a.Agreement))
	}
}
