package grading

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
)

// GradeMethod tells how the grade of a submission was produced.
type GradeMethod string

// Grade methods reported by Aggregate.
const (
	// GradeMethodPeersModel: the peer scores, corrected for each reviewer's bias and
	// weighted by each reviewer's reliability (the session-wide model).
	GradeMethodPeersModel GradeMethod = "peers_model"
	// GradeMethodPeersMedian: the median of the raw peer scores, used when there is
	// too little data for the model.
	GradeMethodPeersMedian GradeMethod = "peers_median"
	// GradeMethodAnimator: the animator's grade, which always wins.
	GradeMethodAnimator GradeMethod = "animator"
)

// Errors returned by Aggregate, wrapped with the offending value.
var (
	ErrAggregateInput   = errors.New("grading: invalid aggregation input")
	ErrAggregateOptions = errors.New("grading: invalid aggregation options")
)

// PeerScore is one peer review reduced to its score: the rubric total as a
// percentage of the maximum, 0..100.
type PeerScore struct {
	ReviewerID   string
	SubmissionID string
	Score        float64
}

// AggregateInput is everything Aggregate needs for one session, all parts together,
// so that a reviewer's bias and reliability are learnt from all their reviews.
type AggregateInput struct {
	Reviews []PeerScore
	// AnimatorGrades maps a submission ID to the animator's grade, 0..100. These are
	// ground truth: the final grade of that submission, and evidence about the bias and
	// reliability of the peers who reviewed it, which corrects their other reviews
	// too (TestAggregateCalibration). A grade an animator confirmed belongs here
	// at its value, as do the grades of the calibration sample
	// (CalibrationSample). A submission may have no review.
	AnimatorGrades map[string]float64
}

// AggregateOptions tunes Aggregate. The zero value gives the defaults in brackets;
// a negative value is an error.
type AggregateOptions struct {
	// MinReviewerReviews is the number of reviews (of submissions the model or an
	// animator grades) a reviewer needs for their bias and reliability to be
	// estimated; below it they keep the prior: no individual bias correction and the
	// prior reliability [2].
	MinReviewerReviews int
	// MinSubmissionReviews is the number of peer reviews a submission needs to be
	// graded by the model; below it, the median of its scores [1: a single
	// review is graded by the model too, its reviewer's bias removed and
	// shrunk toward the session's mean by its reliability].
	MinSubmissionReviews int
	// MinSessionReviews is the number of reviews, written by reviewers who reach
	// MinReviewerReviews, the session needs for the model to run at all; below it
	// every peer grade is a median [20].
	MinSessionReviews int

	// ScoreSD is the prior standard deviation of true scores around the session mean,
	// in points [0: estimated from the session].
	ScoreSD float64
	// BiasSD is the prior standard deviation of reviewer biases around the cohort's
	// common offset, in points [0: estimated from the session; it goes to ~0 when
	// reviewers show no bias].
	BiasSD float64
	// CommonBiasSD is the prior standard deviation of the common offset of the
	// peers to the animators' scale, learnt from animator grades only [3].
	CommonBiasSD float64
	// AnimatorSD is the prior standard deviation, in points, of the gap between an
	// animator's grade and what the peers would agree on for the same work (the
	// animator's own noise and what peers miss together). It is estimated from the
	// animator grades, with 4 pseudo-grades at this value [5].
	AnimatorSD float64
	// NoiseSD is the prior noise standard deviation of a reviewer, in points: the
	// noise of reviewers with too few reviews, and the reference of
	// ReviewerStats.ReliabilityNorm (a reviewer at NoiseSD has 0.5) [10].
	NoiseSD float64
	// NoiseWeight is how many reviews' worth of evidence the NoiseSD prior carries
	// when a reviewer's noise is estimated (2α of the Gamma prior) [4].
	NoiseWeight float64

	// UnreliableNoiseSD and UnreliableBias define ReviewerStats.Unreliable: an
	// estimated reviewer whose noise standard deviation exceeds UnreliableNoiseSD
	// [20; random scores have ~29] or whose |bias| exceeds UnreliableBias [25].
	UnreliableNoiseSD float64
	UnreliableBias    float64
	// QualityScale is the mean absolute gap to the final grades, in points, at which
	// ReviewerStats.Quality reaches 0 [30].
	QualityScale float64

	// TailDF is the degrees of freedom of the Student-t noise of a review
	// [8]: a review far from the consensus for its reviewer's noise counts
	// (TailDF+1)/(TailDF+e²τ) of a review, so one wild score moves a grade
	// little. Very large values give back the Gaussian model.
	TailDF float64

	// MaxIterations bounds the fixed-point iteration [500]; a model that has
	// not converged by then falls back to medians (AggregateResult.FellBack).
	MaxIterations int
	// Tolerance stops the iteration when no score or bias moves by more, in points
	// [0.01; grades are kept to 0.1].
	Tolerance float64
}

// AggregateGrade is the grade of one submission.
type AggregateGrade struct {
	SubmissionID string
	Grade        float64 // 0..100
	Method       GradeMethod
	ReviewCount  int
	// Disagreement, in points, is the reliability-weighted root mean square gap
	// between the grade and the peer scores once each reviewer's bias is removed:
	// sqrt(Σ τ_v (z_v − b_v − grade)² / Σ τ_v), with the values of ReviewerStats.
	// High values deserve an animator's look first.
	Disagreement float64
	// SD is the posterior standard deviation of the grade, in points: how
	// far from the grade the true score may lie (0 for an animator's grade).
	SD float64
	// Reviews says how much each review counts in a peer grade, in the
	// order of their reviewer IDs; none for an animator's grade.
	Reviews []ReviewShare
	// PriorShare is the share of the grade that is the session's mean
	// (the model's prior): what the reviews leave unsaid. 0 for a median.
	PriorShare float64
}

// ReviewShare is what one review counts in a grade.
type ReviewShare struct {
	ReviewerID string
	// Corrected is the review's score with its reviewer's bias removed,
	// 0..100 (the raw score for a median).
	Corrected float64
	// Weight is the review's share of the grade, 0..1: its reviewer's
	// reliability times its Student-t weight (less for a reviewer whose bias
	// is not estimated, whose bias is unknown) over the grade's precision.
	// For a median, each review left in counts 1/n, a suspect one 0.
	Weight float64
}

// PassMark is the grade at which a part is passed (certificates.DefaultRules).
const PassMark = 50.0

// Doubt is how much an animator's look at the grade may change an outcome:
// the posterior standard deviation times the chance that the true score
// lies on the other side of pass than the grade, SD·Φ(−|grade − pass|/SD).
func (g AggregateGrade) Doubt(pass float64) float64 {
	return g.SD * g.WrongSide(pass)
}

// WrongSide is the chance that the true score lies on the other side of
// pass than the grade, Φ(−|grade − pass|/SD); 0 for a certain grade (an
// animator's).
func (g AggregateGrade) WrongSide(pass float64) float64 {
	if g.SD <= 0 {
		return 0
	}
	return 0.5 * math.Erfc(math.Abs(g.Grade-pass)/g.SD/math.Sqrt2)
}

// ReviewerStats describes one reviewer over the session.
type ReviewerStats struct {
	ReviewerID  string
	ReviewCount int
	// Estimated is false when the reviewer kept the priors (too few reviews, or the
	// model did not run): Bias is the CommonBias (0 without animator grades) and
	// Reliability is 1/NoiseSD².
	Estimated bool
	// Bias is the reviewer's estimated systematic offset, in points: positive means
	// they grade too high. It is subtracted from their scores.
	Bias float64
	// Reliability is the estimated precision τ = 1/σ² of the reviewer's scores once
	// the bias is removed, σ in points.
	Reliability float64
	// ReliabilityNorm maps Reliability to 0..1 as 1/(1 + σ²/NoiseSD²).
	ReliabilityNorm float64
	// Quality, 0..100, rates the agreement of the reviewer's raw scores with what
	// the rest of the evidence says of each work they reviewed (othersSay: the
	// animator's grade, or the grade without their review):
	// 100·max(0, 1 − mean|score − that|/QualityScale); 0 when no work they
	// reviewed has another review or an animator's grade.
	Quality float64
	// Unreliable flags an estimated reviewer whose noise standard deviation 1/√τ
	// exceeds UnreliableNoiseSD or whose |Bias| exceeds UnreliableBias. Reviewers
	// who kept the priors are never flagged. Suspect reviewers are.
	Unreliable bool
	// Suspect is why the reviewer's scores were set aside before the model
	// ran (their reviews weigh ~0, ReviewerSuspect*), "" for none.
	Suspect string
}

// Why a reviewer is suspect (ReviewerStats.Suspect).
const (
	// ReviewerSuspectConstant: at least aggConstantMin reviews whose scores
	// spread less than aggConstantSD points: the same score for every work.
	ReviewerSuspectConstant = "constant"
	// ReviewerSuspectExtreme: at least aggSuspectMin reviews, of which
	// aggExtremeShare or more at 0 or 100.
	ReviewerSuspectExtreme = "extreme"
)

// AggregateResult holds the grades, sorted by submission ID, and the reviewer
// statistics, sorted by reviewer ID.
type AggregateResult struct {
	Submissions []AggregateGrade
	Reviewers   []ReviewerStats
	// ModelRan tells whether the session had enough data for the model.
	ModelRan bool
	// Iterations and Converged describe the fixed-point iteration.
	Iterations int
	Converged  bool
	// FellBack is set when the model ran but did not converge within
	// MaxIterations: every peer grade is then the median of its reviews
	// (GradeMethodPeersMedian), never a half-fitted model.
	FellBack bool
	// ScoreMean, ScoreSD, BiasSD and AnimatorSD are the hyperparameters the model
	// ended with, in points.
	ScoreMean, ScoreSD, BiasSD, AnimatorSD float64
	// CommonBias is how much higher than the animators the peers grade as a whole,
	// in points; it is part of every ReviewerStats.Bias (0 without animator grades).
	CommonBias float64
}

// Aggregate turns the peer reviews of a session into grades, in the spirit of model
// PG1 of Piech et al. (2013), "Tuned Models of Peer Assessment in MOOCs":
//
//	true score  s_u ~ N(μ, 1/γ)
//	bias        b_v = c + d_v,  d_v ~ N(0, 1/η),  c ~ N(0, CommonBiasSD²)
//	reliability τ_v ~ Gamma(α, β)
//	score       z_uv ~ N(s_u + b_v, 1/τ_v)
//	animator    g_u ~ N(s_u, AnimatorSD²), the final grade of u
//
// Inference is a deterministic fixed-point iteration. Given the reviewers, each s_u
// is its exact Gaussian posterior mean. Given the scores, a reviewer is judged
// against the leave-one-out estimate of each submission they reviewed (from the
// other reviewers, or the animator's grade), so their own score never vouches for
// them: d_v is the shrunk, precision-weighted mean gap and 1/τ_v the mean squared
// residual minus the leave-one-out variance, with NoiseWeight pseudo-reviews at
// NoiseSD. The d_v are centred: only animator grades can shift the cohort as a
// whole, through c, which is learnt once per animator-graded submission, so one
// disputed grade moves the cohort little and many consistent ones move it fully. The hyperparameters μ, γ, η and AnimatorSD
// are set by empirical Bayes (moments), unless given, so that a cohort without
// bias gets almost no bias correction. Careless reviewers end up with a large σ
// and a small weight. Final grades are clamped to 0..100. The output depends only
// on the input, not on its order.
func Aggregate(in AggregateInput, opts AggregateOptions) (AggregateResult, error) {
	res, _, err := AggregateModeled(in, opts)
	return res, err
}

// AggregateModeled is Aggregate, and also returns what the model learnt,
// with which AggregateModel.Regrade grades one submission again after a
// change to its reviews without running the session-wide model.
func AggregateModeled(in AggregateInput, opts AggregateOptions) (AggregateResult, *AggregateModel, error) {
	o, err := opts.aggResolve()
	if err != nil {
		return AggregateResult{}, nil, err
	}
	g, err := aggBuildGraph(in)
	if err != nil {
		return AggregateResult{}, nil, err
	}
	m := aggNewModel(g, o)
	m.plan()
	if m.modelRan {
		m.run()
	}
	res := m.result()
	am := &AggregateModel{o: o, ran: m.modelRan && m.converged, mu: m.mu, gamma: m.gamma, eta: m.eta,
		common: m.common, animVar: m.animVar, revIDs: g.revIDs, revs: m.revs,
		subIDs: g.subIDs, subStart: g.subStart, subRev: g.subRev, subZ: g.subZ, w: m.w}
	return res, am, nil
}

// AggregateModel is what a run of the model learnt about a session: each
// reviewer's bias, reliability and suspicion, the hyperparameters (score
// mean and spread, bias spread, common offset, animator spread) and each
// review's Student-t weight. It is read only: goroutines may share it.
type AggregateModel struct {
	o                               AggregateOptions
	ran                             bool // the model ran and converged; else grades are medians
	mu, gamma, eta, common, animVar float64
	revIDs                          []string // sorted
	revs                            []aggRev
	subIDs                          []string // sorted
	subStart                        []int32
	subRev                          []int32
	subZ, w                         []float64 // nil w: the model did not run
}

// Regrade grades one submission from its handed-in reviews (every one with
// SubmissionID subID) and its animator's grade (nil for none), given the
// reviewers and hyperparameters of the model: the posterior the model's
// fixed point computes for that submission given the reviewers
// (aggPosterior), as Aggregate would report it. A review the model
// graded, at the same score, keeps its Student-t weight; a new or changed
// one gets the weight of its residual, moved there as the model's first
// iterations move them (the other weights held). A reviewer the model does
// not know counts as one with too few reviews: the prior noise, and a bias
// of the cohort's spread. The reviewers' parameters do not learn from the
// change: the next Aggregate does.
func (am *AggregateModel) Regrade(subID string, reviews []PeerScore, animator *float64) (AggregateGrade, error) {
	in := AggregateInput{Reviews: reviews}
	if animator != nil {
		in.AnimatorGrades = map[string]float64{subID: *animator}
	}
	for i, r := range reviews {
		if r.SubmissionID != subID {
			return AggregateGrade{}, fmt.Errorf("%w: review %d is of %q, not %q", ErrAggregateInput, i, r.SubmissionID, subID)
		}
	}
	if len(reviews) == 0 && animator == nil {
		return AggregateGrade{SubmissionID: subID, Method: GradeMethodPeersMedian}, nil
	}
	g, err := aggBuildGraph(in)
	if err != nil {
		return AggregateGrade{}, err
	}
	m := aggNewModel(g, am.o)
	m.modelRan, m.converged = am.ran, true
	m.mu, m.gamma, m.eta, m.common, m.animVar = am.mu, am.gamma, am.eta, am.common, am.animVar
	for v, id := range g.revIDs {
		if i, ok := slices.BinarySearch(am.revIDs, id); ok {
			m.revs[v] = am.revs[i]
		} else if am.ran {
			m.revs[v].bVar = 1 / am.eta
		}
	}
	su := &m.subs[0]
	switch n := len(g.subZ); {
	case animator != nil:
		su.kind, su.s = aggKindTruth, *animator
	case am.ran && n >= am.o.MinSubmissionReviews:
		su.kind = aggKindModel
	}
	if su.kind != aggKindMedian {
		m.w = make([]float64, len(g.subZ))
		var fresh []int // reviews the model did not weigh
		u, known := slices.BinarySearch(am.subIDs, subID)
		for p := range m.w {
			m.w[p] = 1
			found := false
			if known {
				for q := am.subStart[u]; q < am.subStart[u+1]; q++ {
					if am.revIDs[am.subRev[q]] == g.revIDs[g.subRev[p]] && am.subZ[q] == g.subZ[p] {
						m.w[p], found = am.w[q], true
					}
				}
			}
			if !found {
				fresh = append(fresh, p)
			}
		}
		if su.kind == aggKindModel {
			var buf []float64
			_, su.s = m.medianOf(0, buf)
		}
		for it := 0; len(fresh) > 0 && it < aggWeightIterations; it++ {
			m.updateScores(false)
			for _, p := range fresh {
				r := &m.revs[g.subRev[p]]
				m.w[p] = aggWeight(m.w[p], g.subZ[p]-m.common-r.b-su.s, r.tau, am.o.TailDF)
			}
		}
		m.updateScores(false)
	}
	return m.result().Submissions[0], nil
}

// aggResolve validates the options and fills in the defaults.
func (o AggregateOptions) aggResolve() (AggregateOptions, error) {
	ints := []struct {
		name string
		v    *int
		def  int
	}{
		{"MinReviewerReviews", &o.MinReviewerReviews, 2},
		{"MinSubmissionReviews", &o.MinSubmissionReviews, 1},
		{"MinSessionReviews", &o.MinSessionReviews, 20},
		{"MaxIterations", &o.MaxIterations, 500},
	}
	for _, f := range ints {
		if *f.v < 0 {
			return o, fmt.Errorf("%w: %s %d is negative", ErrAggregateOptions, f.name, *f.v)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	floats := []struct {
		name string
		v    *float64
		def  float64
	}{
		{"ScoreSD", &o.ScoreSD, 0},
		{"BiasSD", &o.BiasSD, 0},
		{"CommonBiasSD", &o.CommonBiasSD, 3},
		{"AnimatorSD", &o.AnimatorSD, 5},
		{"NoiseSD", &o.NoiseSD, 10},
		{"NoiseWeight", &o.NoiseWeight, 4},
		{"UnreliableNoiseSD", &o.UnreliableNoiseSD, 20},
		{"UnreliableBias", &o.UnreliableBias, 25},
		{"QualityScale", &o.QualityScale, 30},
		{"Tolerance", &o.Tolerance, 1e-2},
		{"TailDF", &o.TailDF, 8},
	}
	for _, f := range floats {
		if math.IsNaN(*f.v) || math.IsInf(*f.v, 0) || *f.v < 0 {
			return o, fmt.Errorf("%w: %s %v is not a finite non-negative number", ErrAggregateOptions, f.name, *f.v)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	return o, nil
}

// aggGraph is the validated input with IDs interned in sorted order and the reviews
// stored twice, by submission (reviewers ascending) and by reviewer (submissions
// ascending), so that every sum runs in a fixed order over contiguous memory.
type aggGraph struct {
	subIDs, revIDs []string
	truth          []float64 // animator grade per submission, NaN when none

	subStart []int32 // reviews of submission u: [subStart[u], subStart[u+1])
	subRev   []int32
	subZ     []float64
	revStart []int32 // reviews of reviewer v: [revStart[v], revStart[v+1])
	revSub   []int32
	revZ     []float64
	revP     []int32 // position of each review of the by-reviewer order in the by-submission order
}

func aggValidScore(x float64) bool { return !math.IsNaN(x) && x >= 0 && x <= 100 }

// aggIntern numbers distinct IDs, first in order of appearance.
type aggIntern struct {
	idx   map[string]int32
	names []string
}

func (t *aggIntern) add(id string) int32 {
	if i, ok := t.idx[id]; ok {
		return i
	}
	i := int32(len(t.names)) // #nosec G115 -- the number of IDs is bounded by AggregateMaxReviews < 2^31
	t.idx[id] = i
	t.names = append(t.names, id)
	return i
}

// sorted sorts the names and returns the map from first-seen to sorted index.
func (t *aggIntern) sorted() []int32 {
	order := make([]int32, len(t.names))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return cmp.Compare(t.names[a], t.names[b]) })
	rank := make([]int32, len(order))
	names := make([]string, len(order))
	for r, i := range order {
		rank[i] = int32(r)
		names[r] = t.names[i]
	}
	t.names = names
	return rank
}

// aggCSR groups the items 0..len(keys)-1 by key (0..n-1), keeping their order
// inside a group, and returns the group starts and the grouped items.
func aggCSR(keys []int32, n int) (start, items []int32) {
	start = make([]int32, n+1)
	for _, k := range keys {
		start[k+1]++
	}
	for i := range n {
		start[i+1] += start[i]
	}
	items = make([]int32, len(keys))
	next := slices.Clone(start[:n])
	for i, k := range keys {
		items[next[k]] = int32(i)
		next[k]++
	}
	return start, items
}

// AggregateMaxReviews bounds one aggregation, so every index fits an int32.
const AggregateMaxReviews = 100_000_000

func aggBuildGraph(in AggregateInput) (*aggGraph, error) {
	if len(in.Reviews) > AggregateMaxReviews || len(in.AnimatorGrades) > AggregateMaxReviews {
		return nil, fmt.Errorf("%w: more than %d reviews", ErrAggregateInput, AggregateMaxReviews)
	}
	subs := aggIntern{idx: make(map[string]int32, len(in.Reviews)/2+len(in.AnimatorGrades))}
	revs := aggIntern{idx: make(map[string]int32, len(in.Reviews)/2)}
	sub := make([]int32, len(in.Reviews))
	rev := make([]int32, len(in.Reviews))
	for i, r := range in.Reviews {
		switch {
		case r.ReviewerID == "":
			return nil, fmt.Errorf("%w: review %d has no reviewer", ErrAggregateInput, i)
		case r.SubmissionID == "":
			return nil, fmt.Errorf("%w: review %d has no submission", ErrAggregateInput, i)
		case !aggValidScore(r.Score):
			return nil, fmt.Errorf("%w: review %d by %q of %q: score %v is outside 0..100",
				ErrAggregateInput, i, r.ReviewerID, r.SubmissionID, r.Score)
		}
		sub[i], rev[i] = subs.add(r.SubmissionID), revs.add(r.ReviewerID)
	}
	animated := make([]string, 0, len(in.AnimatorGrades))
	for id := range in.AnimatorGrades {
		animated = append(animated, id)
	}
	slices.Sort(animated)
	for _, id := range animated {
		if x := in.AnimatorGrades[id]; id == "" || !aggValidScore(x) {
			return nil, fmt.Errorf("%w: animator grade %v of submission %q", ErrAggregateInput, x, id)
		}
		subs.add(id)
	}

	subRank, revRank := subs.sorted(), revs.sorted()
	g := &aggGraph{subIDs: subs.names, revIDs: revs.names, truth: make([]float64, len(subs.names))}
	for u := range g.truth {
		g.truth[u] = math.NaN()
	}
	for _, id := range animated {
		g.truth[subRank[subs.idx[id]]] = in.AnimatorGrades[id]
	}
	for i := range sub {
		sub[i], rev[i] = subRank[sub[i]], revRank[rev[i]]
	}

	// By submission, then by reviewer inside each submission.
	var bySub []int32
	g.subStart, bySub = aggCSR(sub, len(g.subIDs))
	for u := range len(g.subIDs) {
		es := bySub[g.subStart[u]:g.subStart[u+1]]
		slices.SortFunc(es, func(a, b int32) int { return cmp.Compare(rev[a], rev[b]) })
		for i := 1; i < len(es); i++ {
			if rev[es[i]] == rev[es[i-1]] {
				return nil, fmt.Errorf("%w: reviewer %q reviewed submission %q twice",
					ErrAggregateInput, g.revIDs[rev[es[i]]], g.subIDs[u])
			}
		}
	}
	g.subRev = make([]int32, len(bySub))
	g.subZ = make([]float64, len(bySub))
	sortedRev := make([]int32, len(bySub))
	for p, i := range bySub {
		g.subRev[p], g.subZ[p] = rev[i], in.Reviews[i].Score
		sortedRev[p] = rev[i]
	}
	// By reviewer: a stable grouping of the submission order.
	var byRev []int32
	g.revStart, byRev = aggCSR(sortedRev, len(g.revIDs))
	g.revSub = make([]int32, len(byRev))
	g.revZ = make([]float64, len(byRev))
	g.revP = byRev
	for p, i := range byRev {
		g.revSub[p], g.revZ[p] = sub[bySub[i]], g.subZ[i]
	}
	return g, nil
}

// aggMinNoiseSD bounds a reviewer's estimated noise from below, in points, so that
// no reviewer gets an unbounded weight.
const aggMinNoiseSD = 1.0

// aggMinVar bounds the score, bias and animator variances from below, in points².
const aggMinVar = 0.25

// aggKind is how a submission is graded, inside the model.
type aggKind uint8

const (
	aggKindMedian aggKind = iota
	aggKindModel
	aggKindTruth
)

func (k aggKind) method() GradeMethod {
	switch k {
	case aggKindModel:
		return GradeMethodPeersModel
	case aggKindTruth:
		return GradeMethodAnimator
	}
	return GradeMethodPeersMedian
}

// aggSub is the state of a submission: its estimate s (the grade for an animator's),
// and num = γμ + Σ τ_v(z_v − c − d_v) and prec = γ + Σ τ_v, plus g/AnimatorSD² and
// 1/AnimatorSD² for an animator's, so that the posterior mean is num/prec.
type aggSub struct {
	s, num, prec float64
	kind         aggKind
}

// aggRev is the state of a reviewer.
type aggRev struct {
	b, tau  float64 // b is the deviation d_v from the common offset
	bVar    float64 // the variance of b for a reviewer who keeps the prior, else 0
	est     bool    // estimated; otherwise b = 0 and τ = 1/NoiseSD²
	suspect string  // ReviewerSuspect*: set aside, τ = aggSuspectTau
}

// prec is what a review of weight w by r counts in a grade: the precision of
// its score with the bias removed, 1/(1/(τw) + Var b), so that the work of a
// reviewer whose bias is unknown (too few reviews to estimate it) is graded
// with that doubt. An estimated bias is taken as known: counting its
// variance too would feed back through the leave-one-out estimates of the
// other reviewers into ever wider doubts.
func (r *aggRev) prec(w float64) float64 {
	t := r.tau * w
	return t / (1 + t*r.bVar)
}

// Suspect reviewers (see ReviewerStats.Suspect) and their weight: a noise of
// 100 points, 1% of a typical reviewer's weight.
const (
	aggSuspectMin   = 4
	aggConstantMin  = 5
	aggConstantSD   = 3.0
	aggExtremeShare = 0.8
	aggSuspectTau   = 1e-4
)

// aggWeightIterations: the Student-t weights are re-estimated during the
// first iterations only, then held, so that the fixed point the rest of the
// iteration seeks does not move (weights and reliabilities chasing each other
// kept some sparse sessions from converging).
const aggWeightIterations = 50

// aggDampAfter: past this many iterations, each reviewer moves only half way
// to their new bias and (in log scale) reliability. The fixed point is the
// same; a two-cycle, which the full steps of some sessions fall into, is not.
const aggDampAfter = 100

// aggScoreFloorShare: the score variance never drops below this share of
// the robust variance (1.4826·MAD)² of the submissions' raw medians, which
// the model's own shrunk estimates cannot pull down.
const aggScoreFloorShare = 0.5

// aggModel holds the state of the inference.
type aggModel struct {
	g *aggGraph
	o AggregateOptions

	subs     []aggSub
	revs     []aggRev
	modelRan bool
	nEst     int
	w        []float64 // per review, by submission: its Student-t weight
	revW     []float64 // the same, by reviewer (gathered once per update)
	floorVar float64   // lower bound of 1/γ (aggScoreFloorShare)

	mu, gamma, eta  float64
	common, animVar float64 // c and AnimatorSD²

	loo, looVar []float64 // per review, by reviewer: leave-one-out score and variance
	dNew, dVar  []float64 // per reviewer: next deviation and its variance
	iterations  int
	converged   bool
}

func aggNewModel(g *aggGraph, o AggregateOptions) *aggModel {
	m := &aggModel{g: g, o: o, subs: make([]aggSub, len(g.subIDs)), revs: make([]aggRev, len(g.revIDs)),
		animVar: o.AnimatorSD * o.AnimatorSD}
	for v := range m.revs {
		m.revs[v].tau = 1 / (o.NoiseSD * o.NoiseSD)
	}
	return m
}

// plan applies the data thresholds: which submissions the model grades and which
// reviewers it estimates.
func (m *aggModel) plan() {
	g, o := m.g, m.o
	m.suspects()
	informed := 0
	for v := range m.revs {
		if n := int(g.revStart[v+1] - g.revStart[v]); n >= o.MinReviewerReviews {
			informed += n
		}
	}
	m.modelRan = informed >= o.MinSessionReviews
	for u := range m.subs {
		switch {
		case !math.IsNaN(g.truth[u]):
			m.subs[u].kind, m.subs[u].s = aggKindTruth, g.truth[u]
		case m.modelRan && int(g.subStart[u+1]-g.subStart[u]) >= o.MinSubmissionReviews:
			m.subs[u].kind = aggKindModel
		}
	}
	if !m.modelRan {
		return
	}
	// A reviewer is estimated from their reviews of submissions whose score the model
	// knows (model or animator graded); a lone review tells nothing about its author.
	for v := range m.revs {
		n := 0
		for _, u := range g.revSub[g.revStart[v]:g.revStart[v+1]] {
			if m.subs[u].kind != aggKindMedian {
				n++
			}
		}
		if n >= o.MinReviewerReviews && m.revs[v].suspect == "" {
			m.revs[v].est = true
			m.nEst++
		}
	}
	if m.nEst < 2 { // one reviewer alone has nobody to be compared with
		m.modelRan = false
		for v := range m.revs {
			m.revs[v].est = false
		}
		for u := range m.subs {
			if m.subs[u].kind == aggKindModel {
				m.subs[u].kind = aggKindMedian
			}
		}
	}
}

// suspects sets aside the reviewers whose raw scores are constant or
// extreme: they weigh aggSuspectTau whatever the model would learn.
func (m *aggModel) suspects() {
	g := m.g
	for v := range m.revs {
		zs := g.revZ[g.revStart[v]:g.revStart[v+1]]
		n := float64(len(zs))
		if len(zs) < aggSuspectMin {
			continue
		}
		var bound, sum, sum2 float64
		for _, z := range zs {
			if z <= 0 || z >= 100 {
				bound++
			}
			sum += z
			sum2 += z * z
		}
		sd := math.Sqrt(max(sum2/n-(sum/n)*(sum/n), 0))
		switch {
		case bound >= aggExtremeShare*n:
			m.revs[v].suspect = ReviewerSuspectExtreme
		case len(zs) >= aggConstantMin && sd < aggConstantSD:
			m.revs[v].suspect = ReviewerSuspectConstant
		default:
			continue
		}
		m.revs[v].tau = aggSuspectTau
	}
}

// medianOf is the median of submission u's scores, leaving out suspect
// reviewers when someone else reviewed it.
func (m *aggModel) medianOf(u int, buf []float64) ([]float64, float64) {
	g := m.g
	buf = buf[:0]
	for p := g.subStart[u]; p < g.subStart[u+1]; p++ {
		if m.revs[g.subRev[p]].suspect == "" {
			buf = append(buf, g.subZ[p])
		}
	}
	if len(buf) == 0 {
		buf = append(buf, g.subZ[g.subStart[u]:g.subStart[u+1]]...)
	}
	return buf, aggMedian(buf)
}

// run iterates the updates until the scores and biases settle.
func (m *aggModel) run() {
	g, o := m.g, m.o
	var buf, medians []float64
	for u := range m.subs {
		if m.subs[u].kind == aggKindModel {
			buf, m.subs[u].s = m.medianOf(u, buf)
			medians = append(medians, m.subs[u].s)
		}
	}
	if len(medians) > 1 {
		md := aggMedian(medians)
		for i, x := range medians {
			medians[i] = math.Abs(x - md)
		}
		mad := 1.4826 * aggMedian(medians)
		m.floorVar = aggScoreFloorShare * mad * mad
	}
	m.w, m.revW = make([]float64, len(g.subZ)), make([]float64, len(g.subZ))
	for p := range m.w {
		m.w[p], m.revW[p] = 1, 1
	}
	m.updateScoreHyper()
	m.eta = 1 / (o.NoiseSD * o.NoiseSD)
	if o.BiasSD > 0 {
		m.eta = 1 / (o.BiasSD * o.BiasSD)
	}
	m.updateScores(false)
	m.loo, m.looVar = make([]float64, len(g.revZ)), make([]float64, len(g.revZ))
	m.dNew, m.dVar = make([]float64, len(m.revs)), make([]float64, len(m.revs))
	for m.iterations < o.MaxIterations {
		m.iterations++
		delta := m.updateReviewers()
		delta = max(delta, m.updateCommon())
		delta = max(delta, m.updateScores(m.iterations <= aggWeightIterations))
		m.updateScoreHyper()
		if delta < o.Tolerance {
			m.converged = true
			break
		}
	}
	if m.converged {
		// The grades are the posteriors given the reviewers and the
		// hyperparameters the model ends with (as Regrade computes them).
		m.updateScores(false)
	}
}

// updateScoreHyper sets μ and γ from the current scores (empirical Bayes).
func (m *aggModel) updateScoreHyper() {
	var sum, n float64
	for _, su := range m.subs {
		if su.kind != aggKindMedian {
			sum += su.s
			n++
		}
	}
	if n == 0 {
		return
	}
	m.mu = sum / n
	if m.o.ScoreSD > 0 {
		m.gamma = 1 / (m.o.ScoreSD * m.o.ScoreSD)
		return
	}
	var ss float64
	for _, su := range m.subs {
		if su.kind != aggKindMedian {
			ss += (su.s - m.mu) * (su.s - m.mu)
		}
		if su.kind == aggKindModel && su.prec > 0 {
			ss += 1 / su.prec
		}
	}
	m.gamma = 1 / max(ss/n, m.floorVar, aggMinVar)
}

// aggWeight moves a review's Student-t weight w halfway to the weight of
// residual e for precision tau (a full step oscillates between two fits on
// sparse sessions and never converges).
func aggWeight(w, e, tau, nu float64) float64 {
	return 0.5*w + 0.5*(nu+1)/(nu+e*e*tau)
}

// updateScores recomputes each model-graded score as its Gaussian posterior mean
// given the reviewers, and returns the largest change. An animator-graded score
// stays the animator's grade, but its num and prec, which the reviewers are judged
// against, count the grade as an observation of precision 1/AnimatorSD².
//
// With reweight, each review's Student-t weight is first updated from its
// residual against the current score (aggWeight).
func (m *aggModel) updateScores(reweight bool) float64 {
	g, nu := m.g, m.o.TailDF
	var delta float64
	for u := range m.subs {
		su := &m.subs[u]
		num, prec := m.gamma*m.mu, m.gamma
		switch su.kind {
		case aggKindMedian:
			continue
		case aggKindTruth:
			num, prec = num+su.s/m.animVar, prec+1/m.animVar
		}
		lo, hi := g.subStart[u], g.subStart[u+1]
		num, prec = aggPosterior(num, prec, m.common, g.subZ[lo:hi], g.subRev[lo:hi], m.w[lo:hi], m.revs, reweight, su.s, nu)
		su.num, su.prec = num, prec
		if su.kind == aggKindModel {
			delta = max(delta, math.Abs(num/prec-su.s))
			su.s = num / prec
		}
	}
	return delta
}

// aggPosterior is the posterior of one submission's true score given its
// reviewers: to the prior's num and prec (γμ and γ, plus g/AnimatorSD² and
// 1/AnimatorSD² for an animator's grade g) each review i, the score zs[i]
// by reviewer revs[rev[i]] of Student-t weight ws[i], adds its precision
// t = r.prec(w) and t·(z − c − b_r). The posterior mean is num/prec, its
// variance 1/prec. With reweight, each weight first moves toward the
// weight of its residual against the current estimate s (aggWeight). It is
// the one formula of a grade given the reviewers: the model's fixed point
// (updateScores) and AggregateModel.Regrade both use it.
func aggPosterior(num, prec, common float64, zs []float64, rev []int32, ws []float64, revs []aggRev, reweight bool, s, nu float64) (float64, float64) {
	for i, z := range zs {
		r := &revs[rev[i]]
		x := z - common - r.b
		if reweight {
			ws[i] = aggWeight(ws[i], x-s, r.tau, nu)
		}
		t := r.prec(ws[i])
		num += t * x
		prec += t
	}
	return num, prec
}

// updateReviewers re-estimates every estimated reviewer's deviation d_v and
// reliability against leave-one-out scores, then η, and returns the largest change
// of a deviation. The deviations are centred: a shift shared by all reviewers is
// the common offset c, which only animator grades can reveal.
func (m *aggModel) updateReviewers() float64 {
	g, o := m.g, m.o
	// Gather first: loads from scattered submissions overlap best in a loop
	// that does nothing else.
	for p, u := range g.revSub {
		su := &m.subs[u]
		m.loo[p], m.looVar[p] = su.num, su.prec
		m.revW[p] = m.w[g.revP[p]]
		if su.kind == aggKindMedian {
			m.looVar[p] = -1
		}
	}
	var sumD, sumRaw, sumRaw2, sumVar float64
	for v := range m.revs {
		r := &m.revs[v]
		if !r.est {
			continue
		}
		var sw, swr float64
		for p := g.revStart[v]; p < g.revStart[v+1]; p++ {
			if m.looVar[p] < 0 {
				continue
			}
			z, wt := g.revZ[p], m.revW[p]
			t := r.prec(wt)
			inv := 1 / (m.looVar[p] - t)
			m.loo[p], m.looVar[p] = (m.loo[p]-t*(z-m.common-r.b))*inv, inv
			w := wt / (1/r.tau + inv)
			sw += w
			swr += w * (z - m.common - m.loo[p])
		}
		m.dNew[v], m.dVar[v] = swr/(m.eta+sw), 1/(m.eta+sw)
		sumD += m.dNew[v]
		sumRaw, sumRaw2, sumVar = sumRaw+swr/sw, sumRaw2+(swr/sw)*(swr/sw), sumVar+1/sw
	}
	n := float64(m.nEst)
	var delta float64
	prior := o.NoiseWeight * o.NoiseSD * o.NoiseSD
	for v := range m.revs {
		r := &m.revs[v]
		if !r.est {
			continue
		}
		d := m.dNew[v] - sumD/n
		var ss, k float64
		for p := g.revStart[v]; p < g.revStart[v+1]; p++ {
			if m.looVar[p] >= 0 {
				// A residual tells about the reviewer's noise in proportion
				// to the share of its variance that noise is, for a
				// reviewer at NoiseSD: against a work nobody else reviewed,
				// little. (At the reviewer's own noise, a precise reviewer
				// would count their evidence for little and look noisier.)
				e := g.revZ[p] - m.common - d - m.loo[p]
				q := 1 / (1 + m.looVar[p]/(o.NoiseSD*o.NoiseSD))
				ss += q * q * (m.revW[p]*e*e - m.looVar[p])
				k += q * q
			}
		}
		tau := 1 / max((prior+ss+k*m.dVar[v])/(o.NoiseWeight+k), aggMinNoiseSD*aggMinNoiseSD)
		if m.iterations > aggDampAfter {
			// Half steps (τ in log scale): a precise reviewer and the works
			// they dominate can otherwise swap between two fits for ever.
			d, tau = 0.5*(r.b+d), math.Sqrt(r.tau*tau)
		}
		delta = max(delta, math.Abs(d-r.b))
		r.b, r.tau = d, tau
	}
	// η from the moments of the unshrunk deviations around their mean: their
	// spread minus their sampling variance.
	switch {
	case o.BiasSD > 0:
	case n >= 2:
		spread := (sumRaw2 - sumRaw*sumRaw/n) / (n - 1)
		m.eta = 1 / max(spread-sumVar/n, aggMinVar)
	default:
		m.eta = 1 / aggMinVar
	}
	// A reviewer who keeps the prior has a bias of unknown sign, spread as
	// the cohort's biases are.
	for v := range m.revs {
		if r := &m.revs[v]; !r.est && r.suspect == "" {
			r.bVar = 1 / m.eta
		}
	}
	return delta
}

// aggAnimatorWeight is how many animator grades' worth of evidence the AnimatorSD
// prior carries.
const aggAnimatorWeight = 4

// updateCommon re-estimates the common offset c of the peers to the animators and
// the animator variance from the animator-graded submissions that have peer
// reviews, one piece of evidence per submission; it returns the change of c.
func (m *aggModel) updateCommon() float64 {
	g, o := m.g, m.o
	var sw, swd, ss, n float64
	for u := range m.subs {
		if m.subs[u].kind != aggKindTruth || g.subStart[u] == g.subStart[u+1] {
			continue
		}
		var num, prec float64
		for p := g.subStart[u]; p < g.subStart[u+1]; p++ {
			r := m.revs[g.subRev[p]]
			t := r.prec(m.w[p])
			num += t * (g.subZ[p] - r.b)
			prec += t
		}
		gap, varPeers := num/prec-m.subs[u].s, 1/prec
		w := 1 / (varPeers + m.animVar)
		sw += w
		swd += w * gap
		ss += (gap-m.common)*(gap-m.common) - varPeers
		n++
	}
	if n == 0 {
		return 0
	}
	c := swd / (1/(o.CommonBiasSD*o.CommonBiasSD) + sw)
	m.animVar = max((aggAnimatorWeight*o.AnimatorSD*o.AnimatorSD+ss)/(aggAnimatorWeight+n), aggMinVar)
	delta := math.Abs(c - m.common)
	m.common = c
	return delta
}

// result assembles the grades and the reviewer statistics.
func (m *aggModel) result() AggregateResult {
	g, o := m.g, m.o
	res := AggregateResult{
		Submissions: make([]AggregateGrade, len(g.subIDs)),
		Reviewers:   make([]ReviewerStats, len(g.revIDs)),
		ModelRan:    m.modelRan,
		Iterations:  m.iterations,
		Converged:   m.converged,
		FellBack:    m.modelRan && !m.converged,
	}
	if res.FellBack {
		for u := range m.subs {
			if m.subs[u].kind == aggKindModel {
				m.subs[u].kind = aggKindMedian
			}
		}
	}
	if m.modelRan {
		res.ScoreMean, res.ScoreSD, res.BiasSD = m.mu, 1/math.Sqrt(m.gamma), 1/math.Sqrt(m.eta)
		res.AnimatorSD, res.CommonBias = math.Sqrt(m.animVar), m.common
	}
	grades := make([]float64, len(g.subIDs))
	shares := make([]ReviewShare, len(g.subZ)) // one backing array for every grade's Reviews
	var buf []float64
	for u, id := range g.subIDs {
		lo, hi := g.subStart[u], g.subStart[u+1]
		kind := m.subs[u].kind
		var grade float64
		switch kind {
		case aggKindTruth:
			grade = g.truth[u]
		case aggKindModel:
			grade = min(max(m.subs[u].s, 0), 100)
		default:
			buf, grade = m.medianOf(u, buf)
		}
		var sw, swd float64
		for p := lo; p < hi; p++ {
			r := m.revs[g.subRev[p]]
			d := g.subZ[p] - m.common - r.b - grade
			sw += r.tau
			swd += r.tau * d * d
		}
		var gap float64
		if sw > 0 {
			gap = math.Sqrt(swd / sw)
		}
		grades[u] = grade
		res.Submissions[u] = AggregateGrade{SubmissionID: id, Grade: grade, Method: kind.method(),
			ReviewCount: int(hi - lo), Disagreement: gap, SD: m.sd(u)}
		if kind != aggKindTruth && hi > lo {
			res.Submissions[u].Reviews, res.Submissions[u].PriorShare = m.shares(u, shares[lo:hi:hi])
		}
	}
	for v, id := range g.revIDs {
		lo, hi := g.revStart[v], g.revStart[v+1]
		var gap float64
		compared := 0
		for p := lo; p < hi; p++ {
			var c float64
			var ok bool
			if c, ok, buf = m.othersSay(p, res.Submissions, buf); ok {
				gap += math.Abs(g.revZ[p] - c)
				compared++
			}
		}
		quality := 0.0
		if compared > 0 {
			quality = 100 * max(0, 1-gap/float64(compared)/o.QualityScale)
		}
		r := m.revs[v]
		sigma2, bias := 1/r.tau, m.common+r.b
		// The flag reads the raw residuals: the Student-t weights, which
		// make a random reviewer's wild scores count little, must not also
		// make them look reliable.
		var raw float64
		for p := lo; p < hi; p++ {
			e := g.revZ[p] - bias - grades[g.revSub[p]]
			raw += e * e
		}
		rawSD := math.Sqrt(raw / float64(hi-lo))
		res.Reviewers[v] = ReviewerStats{
			ReviewerID:      id,
			ReviewCount:     int(hi - lo),
			Estimated:       r.est,
			Bias:            bias,
			Reliability:     r.tau,
			ReliabilityNorm: 1 / (1 + sigma2/(o.NoiseSD*o.NoiseSD)),
			Quality:         quality,
			Unreliable: r.suspect != "" || r.est && (max(math.Sqrt(sigma2), rawSD) > o.UnreliableNoiseSD ||
				math.Abs(bias) > o.UnreliableBias),
			Suspect: r.suspect,
		}
	}
	return res
}

// othersSay is what the reviewed work's other evidence says of it, for the
// review at p of the by-reviewer order: the animator's grade; else, for a
// model grade, the grade without that review (withoutReview, read from the
// grade as the platform keeps it: Grade.Score to 0.1, and the review's
// ReviewShare); else the median of the other reviews (othersMedian). ok is
// false when the work has no other review and no animator's grade: a review
// is never judged against a grade it made (ReviewerStats.Quality).
// ReviewerQualities reads the stored grade with the same two functions, so
// both measures agree. grades is the result's, by submission; buf is scratch
// space, returned for reuse.
func (m *aggModel) othersSay(p int32, grades []AggregateGrade, buf []float64) (float64, bool, []float64) {
	g := m.g
	u := g.revSub[p]
	lo, hi := g.subStart[u], g.subStart[u+1]
	switch kind := m.subs[u].kind; {
	case kind == aggKindTruth:
		return g.truth[u], true, buf
	case hi-lo < 2:
		return 0, false, buf
	case kind == aggKindModel:
		sh := grades[u].Reviews[g.revP[p]-lo]
		c, ok := withoutReview(round1(grades[u].Grade), sh.Weight, sh.Corrected)
		return c, ok, buf
	}
	buf = buf[:0]
	for q := lo; q < hi; q++ {
		if q != g.revP[p] {
			buf = append(buf, g.subZ[q])
		}
	}
	c, ok := othersMedian(buf)
	return c, ok, buf
}

// withoutReview is the consensus on a work without one of its reviews, from
// its model grade: the grade, num/prec, with the review's share weight =
// t/prec and its corrected score c (ReviewShare) taken out, (grade − w·c)/
// (1 − w) = (num − t·c)/(prec − t): the posterior mean without the review,
// the prior included, clamped to 0..100. From a kept grade it is exact up to
// the grade's rounding (±0.05/(1 − w)) and to clamping of the grade or c. ok is false when the review is
// (almost) the whole grade, 1 − w ≤ aggLooMinRest, or a value is not a
// number. The same function serves ReviewerStats.Quality (othersSay) and
// ReviewerQualities.
func withoutReview(grade, weight, corrected float64) (float64, bool) {
	rest := 1 - weight
	if !(rest > aggLooMinRest) {
		return 0, false
	}
	c := min(max((grade-weight*corrected)/rest, 0), 100)
	if math.IsNaN(c) {
		return 0, false
	}
	return c, true
}

// aggLooMinRest is the least share of a grade that must remain without a
// review for withoutReview to say anything.
const aggLooMinRest = 1e-9

// othersMedian is the consensus on a work the model did not grade (a median,
// a fall-back, a grade without shares), without one review: the median of
// the other handed-in reviews' raw scores, which it sorts; ok is false for
// none. othersSay and ReviewerQualities both use it.
func othersMedian(others []float64) (float64, bool) {
	if len(others) == 0 {
		return 0, false
	}
	return aggMedian(others), true
}

// shares fills out, submission u's slice of the shared array, with what
// each review counts in its grade, and returns it with the prior's share.
func (m *aggModel) shares(u int, out []ReviewShare) ([]ReviewShare, float64) {
	g, su := m.g, m.subs[u]
	lo := g.subStart[u]
	if su.kind == aggKindModel {
		for i := range out {
			p := lo + int32(i)
			r := m.revs[g.subRev[p]]
			out[i] = ReviewShare{ReviewerID: g.revIDs[g.subRev[p]], Corrected: min(max(g.subZ[p]-m.common-r.b, 0), 100),
				Weight: r.prec(m.w[p]) / su.prec}
		}
		return out, m.gamma / su.prec
	}
	used := 0
	for i := range out {
		if m.revs[g.subRev[lo+int32(i)]].suspect == "" {
			used++
		}
	}
	for i := range out {
		p := lo + int32(i)
		out[i] = ReviewShare{ReviewerID: g.revIDs[g.subRev[p]], Corrected: g.subZ[p]}
		switch suspect := m.revs[g.subRev[p]].suspect != ""; {
		case used == 0:
			out[i].Weight = 1 / float64(len(out))
		case !suspect:
			out[i].Weight = 1 / float64(used)
		}
	}
	return out, 0
}

// sd is the posterior standard deviation of submission u's grade: from the
// model's precision, or for a median the prior spread of scores combined
// with its reviews at the prior noise.
func (m *aggModel) sd(u int) float64 {
	switch su := m.subs[u]; su.kind {
	case aggKindTruth:
		return 0
	case aggKindModel:
		return 1 / math.Sqrt(su.prec)
	}
	prior := aggDefaultScoreVar
	if m.modelRan && m.gamma > 0 {
		prior = 1 / m.gamma
	}
	n := float64(m.g.subStart[u+1] - m.g.subStart[u])
	return 1 / math.Sqrt(1/prior+n/(m.o.NoiseSD*m.o.NoiseSD))
}

// aggDefaultScoreVar is the spread of true scores assumed when the model did
// not run, in points² (15 points).
const aggDefaultScoreVar = 225.0

// aggMedian returns the median of xs, which it sorts; 0 for none.
func aggMedian(xs []float64) float64 {
	n := len(xs)
	if n == 0 {
		return 0
	}
	slices.Sort(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
