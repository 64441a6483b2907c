package grading

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// aggSimSetting describes a synthetic cohort: n participants who each submit one
// piece of work per part and review k submissions per part.
type aggSimSetting struct {
	name             string
	n, parts, k      int
	biasMean, biasSD float64 // reviewer bias ~ N(biasMean, biasSD)
	noiseLo, noiseHi float64 // reviewer noise sd ~ U(noiseLo, noiseHi)
	careless         float64 // share of reviewers who give uniform random scores
	animator         float64 // share of submissions an animator grades
	disputed         bool    // the animator grades the most disputed, not at random
}

var aggSimSettings = []aggSimSetting{
	{name: "default", n: 300, parts: 6, k: 3, biasSD: 10, noiseLo: 3, noiseHi: 15, careless: 0.1},
	{name: "no bias", n: 300, parts: 6, k: 3, biasSD: 0, noiseLo: 3, noiseHi: 15, careless: 0.1},
	{name: "no careless", n: 300, parts: 6, k: 3, biasSD: 10, noiseLo: 3, noiseHi: 15, careless: 0},
	{name: "no bias, no careless", n: 300, parts: 6, k: 3, biasSD: 0, noiseLo: 3, noiseHi: 15, careless: 0},
	{name: "high noise", n: 300, parts: 6, k: 3, biasSD: 10, noiseLo: 10, noiseHi: 25, careless: 0.1},
	{name: "small cohort", n: 10, parts: 6, k: 3, biasSD: 10, noiseLo: 3, noiseHi: 15, careless: 0.1},
	{name: "k=4", n: 300, parts: 6, k: 4, biasSD: 10, noiseLo: 3, noiseHi: 15, careless: 0.1},
	{name: "k=5", n: 300, parts: 6, k: 5, biasSD: 10, noiseLo: 3, noiseHi: 15, careless: 0.1},
	{name: "one part", n: 300, parts: 1, k: 3, biasSD: 10, noiseLo: 3, noiseHi: 15, careless: 0.1},
	{name: "5% animator", n: 300, parts: 6, k: 3, biasSD: 10, noiseLo: 3, noiseHi: 15, careless: 0.1, animator: 0.05},
	{name: "5% disputed animator", n: 300, parts: 6, k: 3, biasSD: 10, noiseLo: 3, noiseHi: 15, careless: 0.1, animator: 0.05, disputed: true},
	{name: "lenient +5", n: 300, parts: 6, k: 3, biasMean: 5, biasSD: 10, noiseLo: 3, noiseHi: 15, careless: 0.1},
	{name: "lenient +5, 5% animator", n: 300, parts: 6, k: 3, biasMean: 5, biasSD: 10, noiseLo: 3, noiseHi: 15, careless: 0.1, animator: 0.05},
}

// aggSimSeeds are the seeds every setting is averaged over.
var aggSimSeeds = []uint64{1, 2, 3, 4, 5, 6, 7, 8}

// aggSimTruth is what the simulation knows and Aggregate must guess.
type aggSimTruth struct {
	score    map[string]float64 // per submission
	bias     map[string]float64 // per reviewer
	careless map[string]bool    // per reviewer
}

// aggSimCohort draws a cohort: the input of Aggregate and the truth. Reviewers are
// assigned by a circulant over a shuffled order per part, so nobody reviews their
// own work.
func aggSimCohort(tb testing.TB, rng *rand.Rand, s aggSimSetting) (AggregateInput, aggSimTruth) {
	clamp := func(x float64) float64 { return min(max(x, 0), 100) }
	bias := make([]float64, s.n)
	noise := make([]float64, s.n)
	careless := make([]bool, s.n)
	for i := range s.n {
		bias[i] = s.biasMean + s.biasSD*rng.NormFloat64()
		noise[i] = s.noiseLo + (s.noiseHi-s.noiseLo)*rng.Float64()
	}
	for _, i := range rng.Perm(s.n)[:int(math.Round(s.careless*float64(s.n)))] {
		careless[i] = true
	}
	in := AggregateInput{AnimatorGrades: map[string]float64{}}
	truth := make(map[string]float64, s.n*s.parts)
	st := aggSimTruth{score: truth, bias: map[string]float64{}, careless: map[string]bool{}}
	for i := range s.n {
		st.bias[aggSimReviewer(i)], st.careless[aggSimReviewer(i)] = bias[i], careless[i]
	}
	for p := range s.parts {
		subs := make([]string, s.n)
		for i := range s.n {
			subs[i] = fmt.Sprintf("p%d-s%04d", p, i)
			truth[subs[i]] = clamp(65 + 15*rng.NormFloat64())
			if !s.disputed && rng.Float64() < s.animator {
				in.AnimatorGrades[subs[i]] = truth[subs[i]]
			}
		}
		order := rng.Perm(s.n)
		for i, v := range order {
			for j := 1; j <= s.k; j++ {
				sub := subs[order[(i+j)%s.n]]
				z := rng.Float64() * 100
				if !careless[v] {
					z = clamp(truth[sub] + bias[v] + noise[v]*rng.NormFloat64())
				}
				in.Reviews = append(in.Reviews, PeerScore{ReviewerID: aggSimReviewer(v), SubmissionID: sub, Score: z})
			}
		}
	}
	if s.disputed {
		// The animator works down the queue: a first run sorts it by disagreement.
		res, err := Aggregate(in, AggregateOptions{})
		if err != nil {
			tb.Fatal(err)
		}
		queue := slices.SortedFunc(slices.Values(res.Submissions), func(a, b AggregateGrade) int {
			return cmp.Compare(b.Disagreement, a.Disagreement)
		})
		for _, sg := range queue[:int(s.animator*float64(len(queue)))] {
			in.AnimatorGrades[sg.SubmissionID] = truth[sg.SubmissionID]
		}
	}
	return in, st
}

func aggSimReviewer(i int) string { return fmt.Sprintf("r%04d", i) }

// aggSimRMSE returns the RMSE against the truth of the mean, the median and
// Aggregate, over the submissions no animator graded.
func aggSimRMSE(t testing.TB, in AggregateInput, truth aggSimTruth) (mean, median, model float64) {
	res, err := Aggregate(in, AggregateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	scores := map[string][]float64{}
	for _, r := range in.Reviews {
		scores[r.SubmissionID] = append(scores[r.SubmissionID], r.Score)
	}
	var n float64
	for _, sg := range res.Submissions {
		if sg.Method == GradeMethodAnimator {
			continue
		}
		zs, want := scores[sg.SubmissionID], truth.score[sg.SubmissionID]
		var sum float64
		for _, z := range zs {
			sum += z
		}
		mean += math.Pow(sum/float64(len(zs))-want, 2)
		median += math.Pow(aggMedian(slices.Clone(zs))-want, 2)
		model += math.Pow(sg.Grade-want, 2)
		n++
	}
	return math.Sqrt(mean / n), math.Sqrt(median / n), math.Sqrt(model / n)
}

// TestAggregateSimulation compares Aggregate with the mean (Moodle) and the median
// (ORA2, Coursera) on synthetic cohorts, averaged over seeds.
func TestAggregateSimulation(t *testing.T) {
	var table strings.Builder
	fmt.Fprintf(&table, "\n%-24s %8s %8s %8s %10s %10s\n", "setting", "mean", "median", "model", "vs median", "worst seed")
	for _, s := range aggSimSettings {
		var mean, median, model, worst float64
		worst = math.Inf(-1)
		for _, seed := range aggSimSeeds {
			in, truth := aggSimCohort(t, rand.New(rand.NewPCG(seed, 0x11b4e)), s)
			a, b, c := aggSimRMSE(t, in, truth)
			mean, median, model = mean+a, median+b, model+c
			worst = max(worst, c/b-1)
		}
		k := float64(len(aggSimSeeds))
		mean, median, model = mean/k, median/k, model/k
		gain := model/median - 1
		fmt.Fprintf(&table, "%-24s %8.2f %8.2f %8.2f %+9.1f%% %+9.1f%%\n", s.name, mean, median, model, 100*gain, 100*worst)
		if gain > 0.02 {
			t.Errorf("%s: model RMSE %.2f is %.1f%% worse than the median's %.2f", s.name, model, 100*gain, median)
		}
		if s.name == "default" && gain > -0.20 {
			t.Errorf("default: model RMSE %.2f is only %.1f%% below the median's %.2f, want 20%%", model, -100*gain, median)
		}
	}
	t.Logf("RMSE against the true scores, averaged over %d seeds:%s", len(aggSimSeeds), table.String())
}

// TestAggregateSimulationReviewers checks the reviewer statistics and the
// disagreement measure on the default cohort, over all seeds.
func TestAggregateSimulationReviewers(t *testing.T) {
	var careless, flagged, careful, falseFlags, biasErr, nBias float64
	var qCareless, qCareful, lift float64
	for _, seed := range aggSimSeeds {
		in, truth := aggSimCohort(t, rand.New(rand.NewPCG(seed, 0x11b4e)), aggSimSettings[0])
		res, err := Aggregate(in, AggregateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res.Reviewers {
			switch id := r.ReviewerID; {
			case truth.careless[id]:
				careless++
				qCareless += r.Quality
				if r.Unreliable {
					flagged++
				}
			default:
				careful++
				qCareful += r.Quality
				if r.Unreliable && math.Abs(truth.bias[id]) < 20 {
					falseFlags++
				}
				biasErr += math.Pow(r.Bias-truth.bias[id], 2)
				nBias++
			}
		}
		// Sorting by disagreement should put the worst grades first.
		subs := slices.Clone(res.Submissions)
		slices.SortFunc(subs, func(a, b AggregateGrade) int { return cmp.Compare(b.Disagreement, a.Disagreement) })
		var top, all float64
		for i, sg := range subs {
			e := math.Abs(sg.Grade - truth.score[sg.SubmissionID])
			all += e
			if i < len(subs)/10 {
				top += e
			}
		}
		lift += (top / float64(len(subs)/10)) / (all / float64(len(subs)))
	}
	k := float64(len(aggSimSeeds))
	recall, fpr := flagged/careless, falseFlags/careful
	biasRMSE := math.Sqrt(biasErr / nBias)
	t.Logf("careless flagged %.0f%%, careful flagged %.1f%%, bias RMSE %.2f, quality careless %.0f careful %.0f, error of the 10%% most disputed grades ×%.2f",
		100*recall, 100*fpr, biasRMSE, qCareless/careless, qCareful/careful, lift/k)
	if recall < 0.9 {
		t.Errorf("only %.0f%% of careless reviewers flagged unreliable, want ≥ 90%%", 100*recall)
	}
	if fpr > 0.02 {
		t.Errorf("%.1f%% of careful reviewers flagged unreliable, want ≤ 2%%", 100*fpr)
	}
	if biasRMSE > 5 {
		t.Errorf("bias RMSE %.2f, want ≤ 5 (true bias sd 10)", biasRMSE)
	}
	if qCareless/careless >= qCareful/careful-20 {
		t.Errorf("careless quality %.0f not well below careful quality %.0f", qCareless/careless, qCareful/careful)
	}
	if lift/k < 1.25 {
		t.Errorf("the 10%% most disputed grades are only ×%.2f as wrong as the average, want ≥ 1.25", lift/k)
	}
}

// BenchmarkAggregateSimulation times Aggregate on the default cohort (1,800
// submissions, 5,400 reviews).
func BenchmarkAggregateSimulation(b *testing.B) {
	in, _ := aggSimCohort(b, rand.New(rand.NewPCG(1, 0x11b4e)), aggSimSettings[0])
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Aggregate(in, AggregateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
