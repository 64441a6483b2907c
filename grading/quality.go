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
//     never flatters them: it is the animator's grade, or else the grade
//     without their review, the model's prior included (ReviewerQualities;
//     the same value as ReviewerStats.Quality's). A review of work not
//     graded yet, or that nobody else reviewed and no animator graded, has
//     no agreement part;
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
// absent. The consensus a review is compared with leaves it out, as the
// model's ReviewerStats.Quality does (othersSay), from the stored grade:
//
//   - the animator's grade (or the peer grade an animator confirmed, which
//     the model also takes as the animator's);
//   - for a grade with shares (Grade.Reviews, which name the reviews it
//     used): none when the review is the only one; a grade whose shares
//     lack the review (handed in after the grade) is already without it:
//     the grade itself; for a model grade (GradeMethodPeersModel), the grade
//     without the review (withoutReview): (Score − w·c)/(1 − w) with the
//     review's share w and corrected score c, i.e. the model's posterior
//     mean with that review taken out, the prior included, none when the
//     review is almost the whole grade; for a median, the median of the
//     other shares' scores (othersMedian). Only the grade is read, so one
//     participant's standing, which knows only their own reviews, finds
//     the same consensus as the session's table;
//   - none for a work without a grade yet, or a grade no review made.
func ReviewerQualities(subs []*Submission, rs []Review) map[string]ReviewerQuality {
	byID := make(map[string]*Submission, len(subs))
	for _, s := range subs {
		byID[s.ID] = s
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
			if c, ok, buf = qualityConsensus(byID[r.SubmissionID], r.ReviewerID, buf); ok {
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
// (ReviewerQualities): sub is the work (nil when unknown). It reads only the
// work's grade, whose shares name every review it used, so that one
// participant's standing, which knows only their own reviews, finds what
// the session's table finds. buf is scratch space, returned for reuse.
func qualityConsensus(sub *Submission, reviewer string, buf []float64) (float64, bool, []float64) {
	buf = buf[:0]
	if sub == nil {
		return 0, false, buf
	}
	if sub.Animator != nil { // a grade or a confirmation: the model's truth
		return sub.Animator.Score, aggValidScore(sub.Animator.Score), buf
	}
	g := sub.Grade
	switch {
	case g == nil:
		return 0, false, buf
	case g.Source == SourceAnimator || g.Method == GradeMethodAnimator:
		return g.Score, aggValidScore(g.Score), buf
	}
	mine := -1
	for i, sh := range g.Reviews {
		switch {
		case sh.ReviewerID == reviewer:
			mine = i
		case aggValidScore(sh.Corrected):
			buf = append(buf, sh.Corrected)
		}
	}
	switch {
	case len(g.Reviews) == 0: // no review made it
		return 0, false, buf
	case mine < 0: // handed in after the grade, which is without it
		return g.Score, aggValidScore(g.Score), buf
	case len(buf) == 0: // the grade is this review's alone
		return 0, false, buf
	case g.Method == GradeMethodPeersModel:
		c, ok := withoutReview(g.Score, g.Reviews[mine].Weight, g.Reviews[mine].Corrected)
		return c, ok, buf
	}
	// A median's shares hold the reviews' raw scores.
	c, ok := othersMedian(buf)
	return c, ok, buf
}
