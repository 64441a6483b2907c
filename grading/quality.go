package grading

import (
	"math"
	"strings"
	"unicode/utf8"
)

// The reviewer-quality score (issue #12 items 1 and 7) rates how good a
// person's reviews were over a session, 0..100, from three things:
//
//   - agreement with the consensus: 100·max(0, 1 − mean|score − consensus|/
//     QualityAgreementScale) over the reviewed work that has one. The
//     consensus leaves the reviewer out, so that their own pull on a grade
//     never flatters them: it is the animator's grade, or else what the
//     OTHER reviews of the work say (ReviewerQualities). A review of work
//     nobody else reviewed and no animator graded has no agreement part;
//   - the comments: each counts min(1, characters/QualityCommentTarget), so
//     an empty comment counts 0 and a developed one 100;
//   - helpfulness: the authors' mean rating (1..5) mapped to 0..100.
//
// The score is the weighted mean (QualityWeight*) of the parts that exist: a
// reviewer whose reviewed work has no grade yet, or whose reviews no author
// rated, is scored on the others.
const (
	QualityAgreementScale  = 30.0 // points of mean gap at which agreement counts 0
	QualityCommentTarget   = 300  // characters at which a comment counts fully
	QualityAgreementWeight = 0.5
	QualityCommentWeight   = 0.2
	QualityHelpfulWeight   = 0.3
)

// QualityReview is one review handed in, as the quality score reads it.
type QualityReview struct {
	Percent     float64  // the review's rubric total, 0..100
	Consensus   *float64 // the reviewed work's grade without this review (see ReviewerQualities); nil for none
	Comment     string
	Helpfulness int // the author's rating, 1..5; 0 when not rated
}

// ReviewerQuality is one reviewer's quality score and what it is made of.
type ReviewerQuality struct {
	Reviews     int      // reviews handed in
	Agreement   *float64 // 0..100; nil when no reviewed work has a grade
	Comments    float64  // 0..100
	Helpfulness *float64 // mean rating 1..5; nil when none was rated
	Rated       int      // reviews rated by their author
	Score       float64  // 0..100, rounded to 0.1
}

// ReviewQuality scores one reviewer's reviews. ok is false without any.
func ReviewQuality(rs []QualityReview) (q ReviewerQuality, ok bool) {
	if len(rs) == 0 {
		return q, false
	}
	var gap, comments, helpful float64
	graded := 0
	for _, r := range rs {
		if r.Consensus != nil && aggValidScore(*r.Consensus) && aggValidScore(r.Percent) {
			gap += math.Abs(r.Percent - *r.Consensus)
			graded++
		}
		comments += min(1, float64(utf8.RuneCountInString(strings.TrimSpace(r.Comment)))/QualityCommentTarget)
		if r.Helpfulness >= MinHelpfulness && r.Helpfulness <= MaxHelpfulness {
			helpful += float64(r.Helpfulness)
			q.Rated++
		}
	}
	q.Reviews = len(rs)
	q.Comments = 100 * comments / float64(len(rs))
	sum, weights := QualityCommentWeight*q.Comments, QualityCommentWeight
	if graded > 0 {
		a := 100 * max(0, 1-gap/float64(graded)/QualityAgreementScale)
		q.Agreement = &a
		sum += QualityAgreementWeight * a
		weights += QualityAgreementWeight
	}
	if q.Rated > 0 {
		h := helpful / float64(q.Rated)
		q.Helpfulness = &h
		sum += QualityHelpfulWeight * 100 * (h - MinHelpfulness) / (MaxHelpfulness - MinHelpfulness)
		weights += QualityHelpfulWeight
	}
	q.Score = math.Round(sum/weights*10) / 10
	return q, true
}

// ReviewerQualities scores every reviewer of a session from its reviews
// and submissions: only reviews handed in count. Reviewers without one are
// absent. The consensus a review is compared with leaves it out: the
// animator's grade of the work when there is one; else the weighted mean of
// the other reviews' corrected scores, with the weights the peer grade gave
// them (Grade.Reviews); else, for a grade without them, the median of the
// other handed-in reviews' scores; none when nobody else reviewed the work.
func ReviewerQualities(subs []*Submission, rs []Review) map[string]ReviewerQuality {
	grades := make(map[string]*Grade, len(subs))
	for _, s := range subs {
		if s.Grade != nil {
			grades[s.ID] = s.Grade
		}
	}
	done := map[string][]Review{}
	for _, r := range rs {
		if r.Status == ReviewDone {
			done[r.SubmissionID] = append(done[r.SubmissionID], r)
		}
	}
	by := map[string][]QualityReview{}
	var buf []float64
	for _, r := range rs {
		if r.Status != ReviewDone {
			continue
		}
		qr := QualityReview{Percent: r.Percent, Comment: r.Comment}
		if r.SubmissionID != "" {
			var c float64
			var ok bool
			if c, ok, buf = qualityConsensus(grades[r.SubmissionID], done[r.SubmissionID], r.ReviewerID, buf); ok {
				qr.Consensus = &c
			}
		}
		if r.Reply != nil {
			qr.Helpfulness = r.Reply.Helpfulness
		}
		by[r.ReviewerID] = append(by[r.ReviewerID], qr)
	}
	out := make(map[string]ReviewerQuality, len(by))
	for id, qrs := range by {
		out[id], _ = ReviewQuality(qrs)
	}
	return out
}

// qualityConsensus is the consensus on a work without reviewer's review
// (ReviewerQualities): g is the work's grade (nil for none), done its
// handed-in reviews. buf is scratch space, returned for reuse.
func qualityConsensus(g *Grade, done []Review, reviewer string, buf []float64) (float64, bool, []float64) {
	if g != nil && (g.Source == SourceAnimator || g.Method == GradeMethodAnimator) {
		return g.Score, aggValidScore(g.Score), buf
	}
	if g != nil {
		var sw, swc float64
		for _, sh := range g.Reviews {
			if sh.ReviewerID != reviewer && sh.Weight > 0 && aggValidScore(sh.Corrected) {
				sw += sh.Weight
				swc += sh.Weight * sh.Corrected
			}
		}
		if sw > 0 {
			return swc / sw, true, buf
		}
	}
	buf = buf[:0]
	for _, o := range done {
		if o.ReviewerID != reviewer && aggValidScore(o.Percent) {
			buf = append(buf, o.Percent)
		}
	}
	if len(buf) == 0 {
		return 0, false, buf
	}
	return aggMedian(buf), true, buf
}
