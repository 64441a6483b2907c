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
		{ID: "s1", Grade: &grading.Grade{Score: 70}},
		{ID: "s2"}, // not graded
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
	if g := got["good"]; g.Score != 100 || g.Reviews != 2 || g.Rated != 1 {
		t.Errorf("good = %+v, want 100 over 2 reviews, 1 rated", g)
	}
	// lazy: agreement 0 (30 off), comments 0, helpfulness 0.
	if l := got["lazy"]; l.Score != 0 || l.Rated != 1 {
		t.Errorf("lazy = %+v, want 0", l)
	}
}
