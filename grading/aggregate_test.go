package grading

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// aggTestCohort builds a small deterministic session: nSubs submissions s00, s01, …
// each reviewed by k consecutive reviewers out of len(bias) (r0, r1, …), who score
// the true grade plus their bias plus a small wiggle, clamped to 0..100.
func aggTestCohort(nSubs, k int, bias []float64) (AggregateInput, map[string]float64) {
	var in AggregateInput
	truth := map[string]float64{}
	for i := range nSubs {
		id := fmt.Sprintf("s%02d", i)
		truth[id] = 30 + float64((i*37)%60)
		for j := range k {
			v := (i + j) % len(bias)
			wiggle := float64((i*7+v*3)%5 - 2)
			in.Reviews = append(in.Reviews, PeerScore{ReviewerID: fmt.Sprintf("r%d", v), SubmissionID: id,
				Score: min(max(truth[id]+bias[v]+wiggle, 0), 100)})
		}
	}
	return in, truth
}

// aggTestGrades indexes the grades by submission ID.
func aggTestGrades(res AggregateResult) map[string]AggregateGrade {
	m := map[string]AggregateGrade{}
	for _, g := range res.Submissions {
		m[g.SubmissionID] = g
	}
	return m
}

// aggTestReviewers indexes the reviewer statistics by reviewer ID.
func aggTestReviewers(res AggregateResult) map[string]ReviewerStats {
	m := map[string]ReviewerStats{}
	for _, r := range res.Reviewers {
		m[r.ReviewerID] = r
	}
	return m
}

func aggTestRun(t *testing.T, in AggregateInput, opts AggregateOptions) AggregateResult {
	t.Helper()
	res, err := Aggregate(in, opts)
	if err != nil {
		t.Fatalf("Aggregate: %v", err)
	}
	return res
}

func TestAggregateFallbacks(t *testing.T) {
	cohort, _ := aggTestCohort(30, 3, []float64{-8, 0, 8, -4, 4, 0})
	oneReviewer := AggregateInput{}
	for i := range 30 {
		oneReviewer.Reviews = append(oneReviewer.Reviews, PeerScore{"r", fmt.Sprintf("s%02d", i), float64(i * 3)})
	}
	small := AggregateInput{Reviews: []PeerScore{
		{"a", "s1", 40}, {"b", "s1", 90}, {"c", "s1", 50},
		{"a", "s2", 70}, {"b", "s2", 80},
		{"c", "s3", 65},
	}}
	lone := AggregateInput{Reviews: append([]PeerScore{{"r1", "lone", 77}}, cohort.Reviews...)}

	type want struct {
		Grade       float64
		Method      GradeMethod
		ReviewCount int
	}
	tests := []struct {
		name     string
		in       AggregateInput
		opts     AggregateOptions
		modelRan bool
		want     map[string]want // the submissions to check
		count    int             // number of submissions
	}{
		{name: "empty input", want: map[string]want{}},
		{
			name:  "one reviewer: a median of one score each",
			in:    oneReviewer,
			want:  map[string]want{"s00": {0, GradeMethodPeersMedian, 1}, "s29": {87, GradeMethodPeersMedian, 1}},
			count: 30,
		},
		{
			name: "too few reviews in the session",
			in:   small,
			want: map[string]want{
				"s1": {50, GradeMethodPeersMedian, 3},
				"s2": {75, GradeMethodPeersMedian, 2},
				"s3": {65, GradeMethodPeersMedian, 1},
			},
			count: 3,
		},
		{
			name:  "MinSessionReviews above the session",
			in:    cohort,
			opts:  AggregateOptions{MinSessionReviews: 91},
			want:  map[string]want{"s00": {31, GradeMethodPeersMedian, 3}},
			count: 30,
		},
		{
			name:     "lone review in a modelled session, MinSubmissionReviews 2",
			in:       lone,
			opts:     AggregateOptions{MinSubmissionReviews: 2},
			modelRan: true,
			want:     map[string]want{"lone": {77, GradeMethodPeersMedian, 1}},
			count:    31,
		},
		{
			name:  "animator grade without review",
			in:    AggregateInput{AnimatorGrades: map[string]float64{"a": 55}},
			want:  map[string]want{"a": {55, GradeMethodAnimator, 0}},
			count: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := aggTestRun(t, tt.in, tt.opts)
			if res.ModelRan != tt.modelRan {
				t.Errorf("ModelRan = %v, want %v", res.ModelRan, tt.modelRan)
			}
			if len(res.Submissions) != tt.count {
				t.Errorf("%d submissions, want %d", len(res.Submissions), tt.count)
			}
			got := map[string]want{}
			for id, g := range aggTestGrades(res) {
				if _, ok := tt.want[id]; ok {
					got[id] = want{g.Grade, g.Method, g.ReviewCount}
				}
			}
			if diff := gocmp.Diff(tt.want, got); diff != "" {
				t.Errorf("grades (-want +got):\n%s", diff)
			}
			if !res.ModelRan {
				for _, r := range res.Reviewers {
					if r.Estimated || r.Bias != 0 || r.Reliability != 0.01 || r.ReliabilityNorm != 0.5 || r.Unreliable {
						t.Errorf("reviewer %s = %+v, want the prior", r.ReviewerID, r)
					}
				}
			}
		})
	}
}

// TestAggregateSingleReviewBiasCorrected: a submission with one review is
// graded by the model, its reviewer's bias removed (r2 grades 8 points too
// high in this cohort), not given the raw score.
func TestAggregateSingleReviewBiasCorrected(t *testing.T) {
	cohort, _ := aggTestCohort(30, 3, []float64{-8, 0, 8, -4, 4, 0})
	in := AggregateInput{Reviews: append([]PeerScore{{"r2", "lone", 77}}, cohort.Reviews...)}
	res := aggTestRun(t, in, AggregateOptions{})
	g := aggTestGrades(res)["lone"]
	if g.Method != GradeMethodPeersModel || g.Grade < 66 || g.Grade > 71 || g.SD <= 0 {
		t.Errorf("lone review of 77 by a +8 reviewer: %+v, want a peers_model grade in 66..71", g)
	}
}

// TestAggregateOneReviewerQuality: a reviewer alone on every work they
// reviewed is compared with nothing, not with the grades their own scores
// made (which gave them 100): Quality 0. With a second reviewer on one
// work, each is compared with the other's score there.
func TestAggregateOneReviewerQuality(t *testing.T) {
	in := AggregateInput{Reviews: []PeerScore{{"r", "s1", 20}, {"r", "s2", 70}}}
	res := aggTestRun(t, in, AggregateOptions{})
	want := []ReviewerStats{{ReviewerID: "r", ReviewCount: 2, Reliability: 0.01, ReliabilityNorm: 0.5, Quality: 0}}
	if diff := gocmp.Diff(want, res.Reviewers); diff != "" {
		t.Errorf("reviewers (-want +got):\n%s", diff)
	}
	in.Reviews = append(in.Reviews, PeerScore{"q", "s2", 61})
	res = aggTestRun(t, in, AggregateOptions{})
	// r: s2 only, |70 - 61| = 9 of a scale of 30; q: |61 - 70| = 9.
	want = []ReviewerStats{{ReviewerID: "q", ReviewCount: 1, Reliability: 0.01, ReliabilityNorm: 0.5, Quality: 70},
		{ReviewerID: "r", ReviewCount: 2, Reliability: 0.01, ReliabilityNorm: 0.5, Quality: 70}}
	if diff := gocmp.Diff(want, res.Reviewers); diff != "" {
		t.Errorf("reviewers (-want +got):\n%s", diff)
	}
}

func TestAggregateReviewerPrior(t *testing.T) {
	in, _ := aggTestCohort(30, 3, []float64{-8, 0, 8, -4, 4, 0})
	in.Reviews = append(in.Reviews, PeerScore{"late", "s05", 99})
	res := aggTestRun(t, in, AggregateOptions{})
	revs := aggTestReviewers(res)
	if r := revs["late"]; r.Estimated || r.Bias != 0 || r.Reliability != 0.01 || r.ReviewCount != 1 {
		t.Errorf("late reviewer = %+v, want the prior", r)
	}
	if r := revs["r2"]; !r.Estimated || r.ReviewCount != 15 {
		t.Errorf("r2 = %+v, want estimated from 15 reviews", r)
	}
	if g := aggTestGrades(res)["s05"]; g.Method != GradeMethodPeersModel || g.ReviewCount != 4 {
		t.Errorf("s05 = %+v, want peers_model from 4 reviews", g)
	}
}

func TestAggregateBiasCorrection(t *testing.T) {
	bias := []float64{-12, -4, 0, 4, 12, 0}
	in, truth := aggTestCohort(30, 3, bias)
	res := aggTestRun(t, in, AggregateOptions{})
	if !res.ModelRan || !res.Converged {
		t.Fatalf("ModelRan %v, Converged %v after %d iterations", res.ModelRan, res.Converged, res.Iterations)
	}
	var model, median float64
	scores := map[string][]float64{}
	for _, r := range in.Reviews {
		scores[r.SubmissionID] = append(scores[r.SubmissionID], r.Score)
	}
	for _, g := range res.Submissions {
		if g.Method != GradeMethodPeersModel {
			t.Errorf("%s: method %s, want peers_model", g.SubmissionID, g.Method)
		}
		model += math.Pow(g.Grade-truth[g.SubmissionID], 2)
		median += math.Pow(aggMedian(scores[g.SubmissionID])-truth[g.SubmissionID], 2)
	}
	model, median = math.Sqrt(model/30), math.Sqrt(median/30)
	if model > 2.5 || model > median/2 {
		t.Errorf("model RMSE %.2f, median RMSE %.2f: want ≤ 2.5 and ≤ half the median's", model, median)
	}
	for v, r := range res.Reviewers {
		if math.Abs(r.Bias-bias[v]) > 3 {
			t.Errorf("%s: bias %.2f, want %.0f ± 3", r.ReviewerID, r.Bias, bias[v])
		}
	}
}

func TestAggregateTwoReviewers(t *testing.T) {
	// Without ground truth only the gap between the two is known: they split it.
	// The grades at both ends are drawn toward the mean by up to 2 points: two
	// reviewers' noise is known from 15 reviews each and the prior's 4.
	var in AggregateInput
	for i := range 15 {
		id, truth := fmt.Sprintf("s%02d", i), 40+float64(2*i)
		in.Reviews = append(in.Reviews, PeerScore{"hi", id, truth + 10}, PeerScore{"lo", id, truth})
	}
	res := aggTestRun(t, in, AggregateOptions{})
	for i, g := range res.Submissions {
		if want := 45 + float64(2*i); g.Method != GradeMethodPeersModel || math.Abs(g.Grade-want) > 2 {
			t.Errorf("%s = %+v, want peers_model %.0f ± 2", g.SubmissionID, g, want)
		}
	}
	revs := aggTestReviewers(res)
	if hi, lo := revs["hi"].Bias, revs["lo"].Bias; math.Abs(hi+lo) > 0.01 || hi < 3.5 || hi > 5 {
		t.Errorf("biases hi %.2f lo %.2f, want ±(3.5..5)", hi, lo)
	}
}

func TestAggregateAnimator(t *testing.T) {
	t.Run("overrides the peers, moves the others little", func(t *testing.T) {
		in, _ := aggTestCohort(30, 3, []float64{-8, 0, 8, -4, 4, 0})
		before := aggTestGrades(aggTestRun(t, in, AggregateOptions{}))
		in.AnimatorGrades = map[string]float64{"s00": 12} // the peers said about 30
		res := aggTestRun(t, in, AggregateOptions{})
		after := aggTestGrades(res)
		if g := after["s00"]; g.Grade != 12 || g.Method != GradeMethodAnimator || g.ReviewCount != 3 || g.Disagreement < 10 {
			t.Errorf("s00 = %+v, want the animator's 12 from 3 reviews, disputed by ~15 points", g)
		}
		for id, g := range after {
			if id != "s00" && math.Abs(g.Grade-before[id].Grade) > 3.5 {
				t.Errorf("%s moved from %.1f to %.1f: one disputed grade should not rescale the cohort",
					id, before[id].Grade, g.Grade)
			}
		}
		if res.CommonBias <= 0 || res.CommonBias > 3 {
			t.Errorf("CommonBias %.2f, want a small positive offset", res.CommonBias)
		}
	})

	// Every reviewer grades 10 points too high: the peers alone cannot tell, the
	// animator's grades of half the submissions reveal it.
	lenient := []float64{10, 10, 10, 10, 10, 10}
	for _, withTruth := range []bool{false, true} {
		t.Run(fmt.Sprintf("informs the biases/animator=%v", withTruth), func(t *testing.T) {
			in, truth := aggTestCohort(30, 3, lenient)
			offset := 10.0
			if withTruth {
				in.AnimatorGrades = map[string]float64{}
				for i := 0; i < 30; i += 2 {
					id := fmt.Sprintf("s%02d", i)
					in.AnimatorGrades[id] = truth[id]
				}
				offset = 0
			}
			res := aggTestRun(t, in, AggregateOptions{})
			for _, g := range res.Submissions {
				want, tol := truth[g.SubmissionID]+offset, 2.5
				if _, ok := in.AnimatorGrades[g.SubmissionID]; ok {
					want, tol = truth[g.SubmissionID], 0
				}
				if math.Abs(g.Grade-want) > tol {
					t.Errorf("%s = %+v, want %.1f ± %.1f", g.SubmissionID, g, want, tol)
				}
			}
			if want := 10 - offset; math.Abs(res.CommonBias-want) > 2.5 {
				t.Errorf("CommonBias %.2f, want %.0f ± 2.5", res.CommonBias, want)
			}
			for _, r := range res.Reviewers {
				if math.Abs(r.Bias-(10-offset)) > 2.5 {
					t.Errorf("%s bias %.2f, want %.0f ± 2.5", r.ReviewerID, r.Bias, 10-offset)
				}
			}
		})
	}
}

func TestAggregateClamp(t *testing.T) {
	tests := []struct {
		name  string
		bias  float64
		score float64 // given by three reviewers to the extra submission
		want  float64
	}{
		{"harsh reviewers give 100", -15, 100, 100},
		{"lenient reviewers give 0", 15, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, truth := aggTestCohort(30, 3, []float64{tt.bias, tt.bias, tt.bias, tt.bias, tt.bias, tt.bias})
			in.AnimatorGrades = map[string]float64{}
			for i := 0; i < 30; i += 2 {
				id := fmt.Sprintf("s%02d", i)
				in.AnimatorGrades[id] = truth[id]
			}
			for _, v := range []string{"r0", "r1", "r2"} {
				in.Reviews = append(in.Reviews, PeerScore{v, "x", tt.score})
			}
			g := aggTestGrades(aggTestRun(t, in, AggregateOptions{}))["x"]
			if g.Grade != tt.want || g.Method != GradeMethodPeersModel {
				t.Errorf("x = %+v, want peers_model %.0f", g, tt.want)
			}
			if g.Disagreement < 10 {
				t.Errorf("x disagreement %.1f, want ~15: the unclamped estimate is past the bound", g.Disagreement)
			}
		})
	}
}

func TestAggregateUnreliable(t *testing.T) {
	t.Run("careless reviewer", func(t *testing.T) {
		in, _ := aggTestCohort(30, 3, []float64{-4, 0, 4, -2, 2, 0})
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range in.Reviews {
			if in.Reviews[i].ReviewerID == "r5" {
				in.Reviews[i].Score = 100 * rng.Float64()
			}
		}
		revs := aggTestReviewers(aggTestRun(t, in, AggregateOptions{}))
		for id, r := range revs {
			if careless := id == "r5"; r.Unreliable != careless {
				t.Errorf("%s: Unreliable %v, want %v (%+v)", id, r.Unreliable, careless, r)
			}
			if id != "r5" && (r.Quality <= revs["r5"].Quality+20 || r.ReliabilityNorm <= revs["r5"].ReliabilityNorm) {
				t.Errorf("%s (%+v) should beat the careless r5 (%+v)", id, r, revs["r5"])
			}
		}
		if r := revs["r5"]; r.ReliabilityNorm > 0.2 {
			t.Errorf("r5 reliability %.2f, want ≤ 0.2", r.ReliabilityNorm)
		}
	})
	t.Run("biased reviewer", func(t *testing.T) {
		in, truth := aggTestCohort(30, 3, []float64{20, 0, 0, 0, 0, 0})
		in.AnimatorGrades = map[string]float64{"s00": truth["s00"], "s01": truth["s01"], "s02": truth["s02"]}
		revs := aggTestReviewers(aggTestRun(t, in, AggregateOptions{UnreliableBias: 12}))
		for id, r := range revs {
			if want := id == "r0"; r.Unreliable != want {
				t.Errorf("%s: Unreliable %v, want %v (bias %.1f)", id, r.Unreliable, want, r.Bias)
			}
		}
	})
}

func TestAggregateInvalid(t *testing.T) {
	ok := []PeerScore{{"r1", "s1", 50}}
	tests := []struct {
		name string
		in   AggregateInput
		opts AggregateOptions
		want error
	}{
		{"NaN score", AggregateInput{Reviews: []PeerScore{{"r1", "s1", math.NaN()}}}, AggregateOptions{}, ErrAggregateInput},
		{"infinite score", AggregateInput{Reviews: []PeerScore{{"r1", "s1", math.Inf(1)}}}, AggregateOptions{}, ErrAggregateInput},
		{"negative score", AggregateInput{Reviews: []PeerScore{{"r1", "s1", -0.5}}}, AggregateOptions{}, ErrAggregateInput},
		{"score above 100", AggregateInput{Reviews: []PeerScore{{"r1", "s1", 100.5}}}, AggregateOptions{}, ErrAggregateInput},
		{"no reviewer", AggregateInput{Reviews: []PeerScore{{"", "s1", 50}}}, AggregateOptions{}, ErrAggregateInput},
		{"no submission", AggregateInput{Reviews: []PeerScore{{"r1", "", 50}}}, AggregateOptions{}, ErrAggregateInput},
		{"same review twice", AggregateInput{Reviews: []PeerScore{{"r1", "s1", 50}, {"r2", "s1", 60}, {"r1", "s1", 55}}}, AggregateOptions{}, ErrAggregateInput},
		{"NaN animator grade", AggregateInput{Reviews: ok, AnimatorGrades: map[string]float64{"s1": math.NaN()}}, AggregateOptions{}, ErrAggregateInput},
		{"animator grade above 100", AggregateInput{Reviews: ok, AnimatorGrades: map[string]float64{"s1": 120}}, AggregateOptions{}, ErrAggregateInput},
		{"animator grade without submission", AggregateInput{AnimatorGrades: map[string]float64{"": 50}}, AggregateOptions{}, ErrAggregateInput},
		{"negative threshold", AggregateInput{Reviews: ok}, AggregateOptions{MinReviewerReviews: -1}, ErrAggregateOptions},
		{"NaN prior", AggregateInput{Reviews: ok}, AggregateOptions{BiasSD: math.NaN()}, ErrAggregateOptions},
		{"negative prior", AggregateInput{Reviews: ok}, AggregateOptions{NoiseSD: -3}, ErrAggregateOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Aggregate(tt.in, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if res.Submissions != nil || res.Reviewers != nil {
				t.Errorf("result %+v, want none with an error", res)
			}
		})
	}
}

func TestAggregateDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	setting := aggSimSettings[0]
	setting.n, setting.animator = 60, 0.05
	in, _ := aggSimCohort(t, rng, setting)
	want := aggTestRun(t, in, AggregateOptions{})
	for range 3 {
		rng.Shuffle(len(in.Reviews), func(i, j int) { in.Reviews[i], in.Reviews[j] = in.Reviews[j], in.Reviews[i] })
		got := aggTestRun(t, in, AggregateOptions{})
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Fatalf("shuffled input changed the result (-want +got):\n%s", diff)
		}
	}
	if !want.ModelRan || !want.Converged {
		t.Errorf("ModelRan %v, Converged %v", want.ModelRan, want.Converged)
	}
}

func TestAggregateOptionsDefaults(t *testing.T) {
	in, _ := aggTestCohort(30, 3, []float64{-8, 0, 8, -4, 4, 0})
	explicit := AggregateOptions{
		MinReviewerReviews: 2, MinSubmissionReviews: 1, MinSessionReviews: 20, TailDF: 8,
		CommonBiasSD: 3, AnimatorSD: 5, NoiseSD: 10, NoiseWeight: 4, UnreliableNoiseSD: 20, UnreliableBias: 25,
		QualityScale: 30, MaxIterations: 500, Tolerance: 1e-2,
	}
	want, got := aggTestRun(t, in, AggregateOptions{}), aggTestRun(t, in, explicit)
	if diff := gocmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("explicit defaults differ (-zero +explicit):\n%s", diff)
	}
}

func TestAggregateMaxIterations(t *testing.T) {
	in, _ := aggTestCohort(30, 3, []float64{-8, 0, 8, -4, 4, 0})
	res := aggTestRun(t, in, AggregateOptions{MaxIterations: 1})
	if res.Iterations != 1 || res.Converged || !res.ModelRan || !res.FellBack {
		t.Errorf("Iterations %d, Converged %v, ModelRan %v, FellBack %v; want 1, false, true, true", res.Iterations, res.Converged, res.ModelRan, res.FellBack)
	}
	// Not converged: every peer grade is the median, visibly.
	for _, g := range res.Submissions {
		if g.Method != GradeMethodPeersMedian || g.Grade < 0 || g.Grade > 100 {
			t.Errorf("%+v, want a peers_median grade in 0..100", g)
		}
	}
	if full := aggTestRun(t, in, AggregateOptions{}); !full.Converged || full.FellBack {
		t.Errorf("default iterations: Converged %v, FellBack %v", full.Converged, full.FellBack)
	}
}

func TestAggregateGradeDoubt(t *testing.T) {
	tests := []struct {
		name      string
		grade, sd float64
		want      float64
	}{
		{"animator or certain", 40, 0, 0},
		{"on the pass mark: half the spread", 50, 10, 5},
		{"one sd away", 60, 10, 10 * 0.15865525393145707},
		{"same distance below", 40, 10, 10 * 0.15865525393145707},
		{"far from the pass mark", 90, 10, 10 * 3.167124183311998e-05},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (AggregateGrade{Grade: tt.grade, SD: tt.sd}).Doubt(PassMark); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("Doubt = %v, want %v", got, tt.want)
			}
		})
	}
	// A wider posterior near the pass mark is more doubtful.
	if (AggregateGrade{Grade: 55, SD: 12}).Doubt(PassMark) <= (AggregateGrade{Grade: 55, SD: 4}).Doubt(PassMark) {
		t.Error("doubt does not grow with the posterior spread")
	}
}

// Each peer grade says what each review counts: the shares and the prior's
// add up to 1, the grade is their weighted mean, and a review far from the
// others counts little.
func TestAggregateReviewShares(t *testing.T) {
	in, truth := aggTestCohort(30, 3, []float64{-6, 4, 0, 8, -3, 2})
	const target = "s05"
	var wildReviewer string
	for i, r := range in.Reviews {
		if r.SubmissionID == target {
			in.Reviews[i].Score = min(truth[target]+55, 100) // one wild review
			wildReviewer = r.ReviewerID
			break
		}
	}
	res := aggTestRun(t, in, AggregateOptions{})
	if !res.ModelRan {
		t.Fatal("the model did not run")
	}
	for _, g := range res.Submissions {
		if len(g.Reviews) != g.ReviewCount {
			t.Fatalf("%s: %d shares for %d reviews", g.SubmissionID, len(g.Reviews), g.ReviewCount)
		}
		sum, mean := g.PriorShare, g.PriorShare*res.ScoreMean
		for _, r := range g.Reviews {
			sum += r.Weight
			mean += r.Weight * r.Corrected
		}
		if math.Abs(sum-1) > 1e-9 || math.Abs(mean-g.Grade) > 0.5 {
			t.Errorf("%s: shares sum to %.6f, weighted mean %.2f for grade %.2f", g.SubmissionID, sum, mean, g.Grade)
		}
	}
	wild, others := 0.0, 1.0
	for _, r := range aggTestGrades(res)[target].Reviews {
		if r.ReviewerID == wildReviewer {
			wild = r.Weight
		} else {
			others = min(others, r.Weight)
		}
	}
	if wild > others/2 {
		t.Errorf("the wild review weighs %.3f, the others at least %.3f", wild, others)
	}

	// A median counts each review alike.
	med := aggTestRun(t, AggregateInput{Reviews: []PeerScore{{"a", "x", 10}, {"b", "x", 80}, {"c", "x", 90}}}, AggregateOptions{})
	want := []ReviewShare{{"a", 10, 1.0 / 3}, {"b", 80, 1.0 / 3}, {"c", 90, 1.0 / 3}}
	if diff := gocmp.Diff(want, med.Submissions[0].Reviews, cmpopts.EquateApprox(0, 1e-9)); diff != "" || med.Submissions[0].Method != GradeMethodPeersMedian {
		t.Errorf("median shares (-want +got):\n%s", diff)
	}
}

// TestAggregateRegrade: Regrade gives back the model's grade of every
// submission, reviews unchanged (one formula, aggPosterior); a new review
// moves a grade as a full run would, nearly; an animator's grade wins; a
// reviewer the model does not know counts with the prior.
func TestAggregateRegrade(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	setting := aggSimSettings[0]
	setting.n, setting.animator = 60, 0.05
	in, truth := aggSimCohort(t, rng, setting)
	res, am, err := AggregateModeled(in, AggregateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.ModelRan || !res.Converged {
		t.Fatalf("ModelRan %v, Converged %v", res.ModelRan, res.Converged)
	}
	bySub := map[string][]PeerScore{}
	for _, r := range in.Reviews {
		bySub[r.SubmissionID] = append(bySub[r.SubmissionID], r)
	}
	anim := func(id string) *float64 {
		if g, ok := in.AnimatorGrades[id]; ok {
			return &g
		}
		return nil
	}
	for _, want := range res.Submissions {
		got, err := am.Regrade(want.SubmissionID, bySub[want.SubmissionID], anim(want.SubmissionID))
		if err != nil {
			t.Fatal(err)
		}
		if diff := gocmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
			t.Fatalf("%s regraded (-model +regrade):\n%s", want.SubmissionID, diff)
		}
	}

	// A fourth review of a model-graded submission, by a reviewer the model
	// knows, 30 points above the truth: the regrade moves up, toward where a
	// full run with that review puts the grade.
	var sub AggregateGrade
	for _, g := range res.Submissions {
		if g.Method == GradeMethodPeersModel && g.ReviewCount == 3 {
			sub = g
			break
		}
	}
	var extra string
	for _, r := range res.Reviewers {
		if !slices.ContainsFunc(bySub[sub.SubmissionID], func(p PeerScore) bool { return p.ReviewerID == r.ReviewerID }) &&
			r.Estimated && !r.Unreliable {
			extra = r.ReviewerID
			break
		}
	}
	z := min(truth.score[sub.SubmissionID]+truth.bias[extra]+30, 100)
	added := append(slices.Clone(bySub[sub.SubmissionID]), PeerScore{ReviewerID: extra, SubmissionID: sub.SubmissionID, Score: z})
	patched, err := am.Regrade(sub.SubmissionID, added, nil)
	if err != nil {
		t.Fatal(err)
	}
	full, err := Aggregate(AggregateInput{Reviews: append(slices.Clone(in.Reviews), added[len(added)-1]), AnimatorGrades: in.AnimatorGrades}, AggregateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fullG := aggTestGrades(full)[sub.SubmissionID]
	t.Logf("a 4th review at %.1f by %s: %.2f (SD %.2f) -> regrade %.2f (SD %.2f), full run %.2f", z, extra, sub.Grade, sub.SD, patched.Grade, patched.SD, fullG.Grade)
	if patched.ReviewCount != 4 || patched.Grade <= sub.Grade || math.Abs(patched.Grade-fullG.Grade) > 1 || patched.SD >= sub.SD {
		t.Errorf("a 4th review at %.1f: %.2f (SD %.2f) -> regrade %.2f (SD %.2f), full run %.2f; want up, within 1 of the full run, surer",
			z, sub.Grade, sub.SD, patched.Grade, patched.SD, fullG.Grade)
	}

	// An animator's grade wins; a stranger's lone review counts with the
	// prior noise and the cohort's bias spread.
	if g, err := am.Regrade(sub.SubmissionID, added, ptrF(42)); err != nil || g.Grade != 42 || g.Method != GradeMethodAnimator {
		t.Errorf("with an animator's 42: %+v, %v", g, err)
	}
	lone, err := am.Regrade("new", []PeerScore{{ReviewerID: "stranger", SubmissionID: "new", Score: 90}}, nil)
	if err != nil || lone.Method != GradeMethodPeersModel || lone.Grade >= 90 || lone.Grade <= res.ScoreMean || len(lone.Reviews) != 1 {
		t.Errorf("a stranger's lone 90: %+v, %v; want a model grade between the mean %.1f and 90", lone, err, res.ScoreMean)
	}
	if _, err := am.Regrade("x", []PeerScore{{ReviewerID: "a", SubmissionID: "y", Score: 50}}, nil); !errors.Is(err, ErrAggregateInput) {
		t.Errorf("a review of another submission: %v", err)
	}
}

func ptrF(x float64) *float64 { return &x }
