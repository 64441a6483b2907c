package grading

import (
	"cmp"
	"flag"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
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

// The regimes of issue #12: cohorts drawn as a session is, assigned by
// Assign, scored on a rubric of 4 criteria of 0..4 whole points. Parameters:
//
//   - true score of each submission N(65, 15), clamped to 0..100;
//   - reviewer bias N(0, 6) points; reviewer precision τ ~ Gamma(shape 2,
//     mean 1/100), so the noise sd 1/√τ has a median about 12 points;
//   - a review's percentage z = truth + bias + noise; each criterion is
//     round(4·(z + N(0, 4))/100) clamped to 0..4; the score is their sum / 16;
//   - six parts, k = 3, one submission per person and part.
//
// (a) 10 to 30 people; (b) 2,000 people; (c) 2,000 people of whom 10% always
// give the maximum, 10% the minimum and 5% answer at random; (e) 300 people,
// 30% of reviews missing (each review independently).
type aggRegime struct {
	name             string
	nLo, nHi         int     // people, drawn uniformly in [nLo, nHi]
	max, min, random float64 // shares of adversarial reviewers
	missing          float64 // share of reviews not handed in
	// precisionScale is θ of the reviewers' precision τ ~ Gamma(shape a,
	// scale θ); zero is 1/200 (noise sd median about 11 points).
	precisionScale float64
	// precisionShape is a; zero is 2.
	precisionShape float64
}

// aggRegimes returns the regimes; short keeps (b) and (c) at 300 people.
func aggRegimes(short bool) []aggRegime {
	big := 2000
	if short {
		big = 300
	}
	return []aggRegime{
		{name: "(a) 10-30 people", nLo: 10, nHi: 30},
		{name: fmt.Sprintf("(b) %d people", big), nLo: big, nHi: big},
		{name: fmt.Sprintf("(c) %d, adversarial", big), nLo: big, nHi: big, max: 0.10, min: 0.10, random: 0.05},
		{name: "(e) 300, 30% missing", nLo: 300, nHi: 300, missing: 0.30},
	}
}

// aggRegimeRun is what one seed of a regime measured.
type aggRegimeRun struct {
	rmseModel, rmseMedian     float64
	within10Model, within10Md float64 // shares of grades within 10 points of the truth
	disconnected, parts       int     // review graphs (per part) not connected
	precision10               float64 // share of the queue's first 10% among the 10% largest errors
	precision10SD             float64 // the same with the grades ranked by SD alone
	precision10Staff          float64 // the same with the first 10% of the staff's queue (aggRegimeStaffQueue)
	queued                    float64 // share of the graded submissions in the staff's queue
	wrongQueued               float64 // share of the grades on the wrong side of PassMark in the staff's queue
	wrongSide                 float64 // share of the grades on the wrong side of PassMark found in the queue's first 10%
	fellBack                  int     // 1 when the model did not converge (grades are medians)
}

// aggGamma draws Gamma(shape a, scale θ): shape 2 as the sum of two
// exponentials (the regimes' draws), any other by aggGammaMT.
func aggGamma(rng *rand.Rand, a, theta float64) float64 {
	if a == 2 {
		return (rng.ExpFloat64() + rng.ExpFloat64()) * theta
	}
	return aggGammaMT(rng, a) * theta
}

// aggGammaMT draws Gamma(shape a, scale 1) by Marsaglia and Tsang (2000),
// shapes below 1 boosted by U^(1/a).
func aggGammaMT(rng *rand.Rand, a float64) float64 {
	boost := 1.0
	if a < 1 {
		boost, a = math.Pow(rng.Float64(), 1/a), a+1
	}
	d := a - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := rng.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		if math.Log(rng.Float64()) < 0.5*x*x+d-d*v+d*math.Log(v) {
			return boost * d * v
		}
	}
}

// aggRegimeDraw is one drawn cohort of a regime: the input of Aggregate and
// what the simulation knows that Aggregate must guess.
type aggRegimeDraw struct {
	in           AggregateInput
	truth        map[string]float64 // per submission
	bias, noise  map[string]float64 // per reviewer: offset and noise sd, in points
	kind         map[string]byte    // per reviewer: 0 honest, '+' always max, '-' always min, '?' random
	disconnected int                // review graphs (per part) not connected
	parts        int
	assigned     []Assignment // every review assigned, handed in or not
}

// aggRegimeCohort draws one cohort of regime r, grades it and measures it.
func aggRegimeCohort(tb testing.TB, r aggRegime, rng *rand.Rand) aggRegimeRun {
	d := aggRegimeDrawCohort(tb, r, rng)
	res, err := Aggregate(d.in, AggregateOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	run := aggRegimeMeasure(d, res)
	run.precision10Staff, run.queued, run.wrongQueued = aggRegimeStaffQueue(tb, d)
	return run
}

// aggRegimeDrawCohort draws one cohort of regime r.
func aggRegimeDrawCohort(tb testing.TB, r aggRegime, rng *rand.Rand) aggRegimeDraw {
	const parts, k = 6, 3
	n := r.nLo + rng.IntN(r.nHi-r.nLo+1)
	bias, noise := make([]float64, n), make([]float64, n)
	kind := make([]byte, n) // 0 honest, '+' always max, '-' always min, '?' random
	for i := range n {
		bias[i] = 6 * rng.NormFloat64()
		theta, shape := r.precisionScale, r.precisionShape
		if theta == 0 {
			theta = 1.0 / 200
		}
		if shape == 0 {
			shape = 2
		}
		noise[i] = 1 / math.Sqrt(aggGamma(rng, shape, theta))
	}
	perm := rng.Perm(n)
	nMax, nMin, nRand := int(r.max*float64(n)), int(r.min*float64(n)), int(r.random*float64(n))
	for j, i := range perm {
		switch {
		case j < nMax:
			kind[i] = '+'
		case j < nMax+nMin:
			kind[i] = '-'
		case j < nMax+nMin+nRand:
			kind[i] = '?'
		}
	}
	people := make([]string, n)
	for i := range people {
		people[i] = aggSimReviewer(i)
	}
	pos := make(map[string]int, n)
	d := aggRegimeDraw{truth: map[string]float64{}, bias: map[string]float64{}, noise: map[string]float64{},
		kind: map[string]byte{}, parts: parts}
	for i, p := range people {
		pos[p] = i
		d.bias[p], d.noise[p], d.kind[p] = bias[i], noise[i], kind[i]
	}
	truth := d.truth
	hist := PairHistory{}
	for p := range parts {
		subs := make([]AssignSubmitter, n)
		for i := range n {
			subs[i] = AssignSubmitter{Author: people[i], Submission: fmt.Sprintf("p%d-s%04d", p, i)}
			truth[subs[i].Submission] = min(max(65+15*rng.NormFloat64(), 0), 100)
		}
		res, err := Assign(AssignInput{Submitters: subs, K: k, History: hist}, rng)
		if err != nil {
			tb.Fatal(err)
		}
		hist.Record(res.Assignments)
		d.assigned = append(d.assigned, res.Assignments...)
		if aggComponents(n, res.Assignments) != 1 {
			d.disconnected++
		}
		for _, a := range res.Assignments {
			if rng.Float64() < r.missing {
				continue
			}
			v := pos[a.Reviewer]
			var score float64
			switch kind[v] {
			case '+':
				score = 100
			case '-':
				score = 0
			case '?':
				score = 100 * float64(rng.IntN(17)) / 16
			default:
				z := truth[a.Submission] + bias[v] + noise[v]*rng.NormFloat64()
				pts := 0.0
				for range 4 {
					pts += min(max(math.Round(4*(z+4*rng.NormFloat64())/100), 0), 4)
				}
				score = 100 * pts / 16
			}
			d.in.Reviews = append(d.in.Reviews, PeerScore{ReviewerID: a.Reviewer, SubmissionID: a.Submission, Score: score})
		}
	}
	return d
}

// aggRegimeMeasure measures the grades res of cohort d against its truth.
// Only the measure reads the truth.
func aggRegimeMeasure(d aggRegimeDraw, res AggregateResult) aggRegimeRun {
	run := aggRegimeRun{disconnected: d.disconnected, parts: d.parts}
	if res.FellBack {
		run.fellBack = 1
	}
	scores := map[string][]float64{}
	for _, rv := range d.in.Reviews {
		scores[rv.SubmissionID] = append(scores[rv.SubmissionID], rv.Score)
	}
	type graded struct {
		err, doubt, sd float64
		wrong          bool // on the other side of the pass mark than the truth
	}
	var gs []graded
	var seModel, seMedian, inModel, inMedian float64
	for _, g := range res.Submissions {
		zs := scores[g.SubmissionID]
		if len(zs) == 0 || g.Method == GradeMethodAnimator {
			continue
		}
		want := d.truth[g.SubmissionID]
		md := aggMedian(slices.Clone(zs))
		seModel += (g.Grade - want) * (g.Grade - want)
		seMedian += (md - want) * (md - want)
		if math.Abs(g.Grade-want) <= 10 {
			inModel++
		}
		if math.Abs(md-want) <= 10 {
			inMedian++
		}
		gs = append(gs, graded{math.Abs(g.Grade - want), g.Doubt(PassMark), g.SD, (g.Grade >= PassMark) != (want >= PassMark)})
	}
	m := float64(len(gs))
	run.rmseModel, run.rmseMedian = math.Sqrt(seModel/m), math.Sqrt(seMedian/m)
	run.within10Model, run.within10Md = inModel/m, inMedian/m
	// precision@10%: the first tenth of the queue (by doubt, as
	// Service.Corrections ranks it; or by SD alone) against the tenth of
	// largest errors; and the share of the wrong-side grades in that tenth.
	top := max(len(gs)/10, 1)
	byErr := slices.Clone(gs)
	slices.SortFunc(byErr, func(a, b graded) int { return cmp.Compare(b.err, a.err) })
	cut := byErr[top-1].err
	wrong := 0
	for _, g := range gs {
		if g.wrong {
			wrong++
		}
	}
	head := func(key func(graded) float64) (precision, wrongSide float64) {
		ranked := slices.Clone(gs)
		slices.SortStableFunc(ranked, func(a, b graded) int { return cmp.Compare(key(b), key(a)) })
		hits, caught := 0, 0
		for _, g := range ranked[:top] {
			if g.err >= cut {
				hits++
			}
			if g.wrong {
				caught++
			}
		}
		return float64(hits) / float64(top), float64(caught) / float64(max(wrong, 1))
	}
	run.precision10, run.wrongSide = head(func(g graded) float64 { return g.doubt })
	run.precision10SD, _ = head(func(g graded) float64 { return g.sd })
	return run
}

// aggComponents counts the connected components of a part's review graph.
func aggComponents(n int, as []Assignment) int {
	parent := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		if p, ok := parent[x]; ok && p != x {
			parent[x] = find(p)
			return parent[x]
		}
		return x
	}
	comps := n
	for _, a := range as {
		if x, y := find(a.Reviewer), find(a.Author); x != y {
			parent[x] = y
			comps--
		}
	}
	return comps
}

// aggMeanCI returns the mean of xs and the half-width of its 95% confidence
// interval (Student t with len(xs)-1 degrees of freedom, 2.09 for 20 seeds).
func aggMeanCI(xs []float64) (mean, half float64) {
	n := float64(len(xs))
	for _, x := range xs {
		mean += x
	}
	mean /= n
	if len(xs) < 2 {
		return mean, math.NaN()
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	tq := map[int]float64{2: 12.71, 3: 4.30, 4: 3.18, 5: 2.78, 6: 2.57, 8: 2.36, 10: 2.26, 20: 2.09, 30: 2.05}[len(xs)]
	if tq == 0 {
		tq = 1.96
	}
	return mean, tq * math.Sqrt(ss/(n-1)/n)
}

var (
	aggSimSeedsFlag = flag.Int("aggsim.seeds", 0, "seeds per regime of TestAggregateRegimes (default 20, 4 with -short)")
	aggSimBoundFlag = flag.Bool("aggsim.bound", false, "run TestAggregateRegimeBound (about 20 s)")
	// A second seed range checks that a change is not fitted to the first.
	aggSimOffsetFlag = flag.Uint64("aggsim.offset", 0, "first seed of TestAggregateRegimes, TestAggregateRegimeBound and TestAggregateRegimeGap, minus 1")
)

// TestAggregateRegimes measures the targets of issue #12 on regimes (a), (b),
// (c) and (e): RMSE ratio to the median, share within 10 points, connected
// review graphs, precision@10% (every grade ranked by doubt, as
// Service.Corrections ranks its queue, and for comparison by SD alone; and
// the first 10% of the queue the staff see, aggRegimeStaffQueue), and the
// share of the grades on the wrong side of the pass mark that the first 10%
// by doubt holds. The full form (20 seeds, 2,000 people) runs without
// -short; -short runs 4 seeds with (b) and (c) at 300 people. The table goes
// to docs/performance.md:
//
//	go test ./grading -run TestAggregateRegimes -v
func TestAggregateRegimes(t *testing.T) {
	seeds := 20
	if testing.Short() {
		seeds = 4
	}
	if *aggSimSeedsFlag > 0 {
		seeds = *aggSimSeedsFlag
	}
	var table strings.Builder
	fmt.Fprintf(&table, "\n| regime | RMSE model | RMSE median | ratio | within 10: model | within 10: median | disconnected parts | precision@10%%: all, by doubt | precision@10%%: the staff's queue | precision@10%%: all, by SD | queued | wrong side: in the staff's queue | wrong side: in the first 10%% by doubt | fell back |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range aggRegimes(testing.Short()) {
		var rm, rd, ratio, wm, wd, prec, precSD, precStaff, queued, wrongQueued, wrong []float64
		disc, parts, fell := 0, 0, 0
		for seed := range seeds {
			run := aggRegimeCohort(t, r, rand.New(rand.NewPCG(uint64(seed)+1+*aggSimOffsetFlag, 0x12e9)))
			rm, rd, ratio = append(rm, run.rmseModel), append(rd, run.rmseMedian), append(ratio, run.rmseModel/run.rmseMedian)
			wm, wd, prec = append(wm, run.within10Model), append(wd, run.within10Md), append(prec, run.precision10)
			precSD, wrong = append(precSD, run.precision10SD), append(wrong, run.wrongSide)
			precStaff, queued, wrongQueued = append(precStaff, run.precision10Staff), append(queued, run.queued), append(wrongQueued, run.wrongQueued)
			disc, parts, fell = disc+run.disconnected, parts+run.parts, fell+run.fellBack
		}
		f := func(xs []float64, scale float64, format string) string {
			m, h := aggMeanCI(xs)
			return fmt.Sprintf(format+" ± "+format, scale*m, scale*h)
		}
		mRatio, hRatio := aggMeanCI(ratio)
		mWm, _ := aggMeanCI(wm)
		mWd, _ := aggMeanCI(wd)
		mPrec, _ := aggMeanCI(prec)
		mWrong, _ := aggMeanCI(wrong)
		fmt.Fprintf(&table, "| %s | %s | %s | %s | %s%% | %s%% | %d of %d | %s | %s | %s | %s%% | %s%% | %s%% | %d of %d |\n", r.name, f(rm, 1, "%.2f"), f(rd, 1, "%.2f"),
			f(ratio, 1, "%.3f"), f(wm, 100, "%.1f"), f(wd, 100, "%.1f"), disc, parts, f(prec, 1, "%.2f"), f(precStaff, 1, "%.2f"), f(precSD, 1, "%.2f"),
			f(queued, 100, "%.0f"), f(wrongQueued, 100, "%.0f"), f(wrong, 100, "%.0f"), fell, seeds)
		// The targets: ≤ 0.85 for (a) and (b), ≤ 0.65 for (c) and (e).
		// (e) cannot reach 0.65: the Bayes-optimal grades, which know every
		// reviewer's bias and noise, reach 0.665 (TestAggregateRegimeBound),
		// and a Gibbs sampler of the simulation's own model, which has to
		// learn them from the same reviews, 0.717 (TestAggregateRegimeGap).
		// The bound below guards what is reached (0.724 with 20 seeds,
		// 0.727 with seeds 101..120).
		target := 0.85
		switch {
		case r.missing > 0:
			target = 0.74
		case r.max+r.min+r.random > 0:
			target = 0.65
		}
		if mRatio > target {
			t.Errorf("%s: RMSE ratio to the median %.3f ± %.3f, want ≤ %.2f", r.name, mRatio, hRatio, target)
		}
		if fell > seeds/20 {
			t.Errorf("%s: the model fell back to medians in %d of %d seeds", r.name, fell, seeds)
		}
		if mWm < mWd {
			t.Errorf("%s: %.1f%% within 10 points, the median %.1f%%", r.name, 100*mWm, 100*mWd)
		}
		if disc > 0 {
			t.Errorf("%s: %d of %d review graphs disconnected", r.name, disc, parts)
		}
		// The target is a precision@10% of 0.25 in (e). The queue
		// ranks by doubt, which seeks the grades on the wrong side of the
		// pass mark, not the largest errors: the Bayes-optimal grades ranked
		// so reach 0.15 (0.27 by SD alone). The bounds guard what is reached.
		// The staff's queue reaches 0.19 in (e) with 20 seeds.
		if mStaff, _ := aggMeanCI(precStaff); r.missing > 0 && (mPrec < 0.12 || mStaff < 0.15 || mWrong < 0.30) {
			t.Errorf("%s: precision@10%% by doubt %.2f, of the staff's queue %.2f, wrong side found %.0f%%; want ≥ 0.12, 0.15 and 30%%", r.name, mPrec, mStaff, 100*mWrong)
		}
		// The queue is there to catch the grades on the wrong side of the
		// pass mark (QueueWrongSide): it holds 90–92% of them in every
		// regime, and 36–44% of the submissions (20 seeds).
		if mWQ, _ := aggMeanCI(wrongQueued); mWQ < 0.80 {
			t.Errorf("%s: the staff's queue holds %.0f%% of the grades on the wrong side, want ≥ 80%%", r.name, 100*mWQ)
		}
	}
	t.Logf("%d seeds per regime (mean ± 95%% CI):%s", seeds, table.String())
}

// TestAggregateRegimeBound grades regime (e) as well as grades can be: the
// posterior mean of each true score given its reviews, the prior of true
// scores, and every reviewer's true bias and noise, with the rubric's
// rounding and clamping in the likelihood (computed on a grid of true scores
// 0..100 by 1 and of latent percentages by 1). It is the floor of any
// estimator's RMSE, which has to learn the reviewers from their reviews, and
// the best precision@10% a ranking of such posteriors reaches. Opt-in:
//
//	go test ./grading -run TestAggregateRegimeBound -v -aggsim.bound
func TestAggregateRegimeBound(t *testing.T) {
	if !*aggSimBoundFlag {
		t.Skip("opt-in: -aggsim.bound")
	}
	r := aggRegimes(false)[3]
	var ratio, prec, precSD, wrong []float64
	for seed := range 20 {
		d := aggRegimeDrawCohort(t, r, rand.New(rand.NewPCG(uint64(seed)+1+*aggSimOffsetFlag, 0x12e9)))
		res := aggBayes(d)
		run := aggRegimeMeasure(d, res)
		ratio, prec = append(ratio, run.rmseModel/run.rmseMedian), append(prec, run.precision10)
		precSD, wrong = append(precSD, run.precision10SD), append(wrong, run.wrongSide)
	}
	mRatio, hRatio := aggMeanCI(ratio)
	mPrec, hPrec := aggMeanCI(prec)
	mPrecSD, hPrecSD := aggMeanCI(precSD)
	mWrong, hWrong := aggMeanCI(wrong)
	t.Logf("%s, Bayes-optimal grades knowing the reviewers (20 seeds, mean ± 95%% CI): RMSE ratio to the median %.3f ± %.3f; "+
		"precision@10%% ranked by doubt %.2f ± %.2f, by SD %.2f ± %.2f; wrong side in the first 10%% by doubt %.0f ± %.0f%%",
		r.name, mRatio, hRatio, mPrec, hPrec, mPrecSD, hPrecSD, 100*mWrong, 100*hWrong)
	if mRatio < 0.6 || mRatio > 0.75 {
		t.Errorf("Bayes-optimal ratio %.3f, out of the 0.6..0.75 this computation gives: check it", mRatio)
	}
}

// aggBayes grades cohort d as well as grades can be (TestAggregateRegimeBound):
// each submission's posterior mean and SD given its reviews, the prior of
// true scores and every reviewer's true bias and noise, with the rubric's
// rounding and clamping in the likelihood.
func aggBayes(d aggRegimeDraw) AggregateResult {
	// P(rubric total = S | latent percentage z): four criteria, each
	// round(4·(z + N(0, 4))/100) clamped to 0..4.
	const zLo, zHi = -80, 180
	pS := make([][17]float64, zHi-zLo+1)
	for i := range pS {
		z := float64(zLo + i)
		var c [5]float64
		for lvl := range 5 {
			lo, hi := (float64(lvl)-0.5)*25-z, (float64(lvl)+0.5)*25-z
			if lvl == 0 {
				lo = math.Inf(-1)
			}
			if lvl == 4 {
				hi = math.Inf(1)
			}
			c[lvl] = 0.5*math.Erfc(-hi/4/math.Sqrt2) - 0.5*math.Erfc(-lo/4/math.Sqrt2)
		}
		dist := []float64{1}
		for range 4 {
			next := make([]float64, len(dist)+4)
			for a, pa := range dist {
				for b, pb := range c {
					next[a+b] += pa * pb
				}
			}
			dist = next
		}
		copy(pS[i][:], dist)
	}
	// The prior: N(65, 15) clamped to 0..100 (the mass above 100 at 100).
	prior := make([]float64, 101)
	var sum float64
	for s := range prior {
		prior[s] = math.Exp(-0.5 * (float64(s) - 65) * (float64(s) - 65) / 225)
		sum += prior[s]
	}
	for s := range prior {
		prior[s] *= (1 - 0.0098) / sum
	}
	prior[100] += 0.0098
	post := map[string][]float64{}
	for _, rv := range d.in.Reviews {
		p, ok := post[rv.SubmissionID]
		if !ok {
			p = slices.Clone(prior)
			post[rv.SubmissionID] = p
		}
		total := int(math.Round(rv.Score * 16 / 100))
		b, sd := d.bias[rv.ReviewerID], d.noise[rv.ReviewerID]
		var norm float64
		for s := range p {
			var l float64
			for i := range pS {
				if e := (float64(zLo+i) - float64(s) - b) / sd; e*e < 36 {
					l += math.Exp(-0.5*e*e) * pS[i][total]
				}
			}
			p[s] *= l
			norm += p[s]
		}
		for s := range p {
			p[s] /= norm
		}
	}
	var res AggregateResult
	for id, p := range post {
		var m, m2 float64
		for s, x := range p {
			m, m2 = m+x*float64(s), m2+x*float64(s)*float64(s)
		}
		res.Submissions = append(res.Submissions, AggregateGrade{SubmissionID: id, Grade: m, SD: math.Sqrt(max(m2-m*m, 0)), Method: GradeMethodPeersModel})
	}
	slices.SortFunc(res.Submissions, func(a, b AggregateGrade) int { return cmp.Compare(a.SubmissionID, b.SubmissionID) })
	return res
}

var aggSimNoiseFlag = flag.Bool("aggsim.noise", false, "run TestAggregateRegimeNoise (about two minutes)")

// TestAggregateRegimeNoise shows how regime (e)'s RMSE ratio to the median
// depends on how noisy reviewers are, which issue #12 leaves open
// ("gamma-distributed precision" τ ~ Gamma(shape a, scale θ)): for scales
// θ around the regimes' 1/200 at their shape 2, then for shapes 1 to 4 at
// their mean precision 2θ = 1/100 (a smaller shape has more very noisy
// reviewers), it gives Aggregate's ratio, the model's Gaussian form given
// every reviewer's true bias and noise (aggOracle), and the Bayes-optimal
// one, which also knows the rubric's rounding (aggBayes); and
// precisions@10%. It measures; the targets are TestAggregateRegimes'.
// Opt-in:
//
//	go test ./grading -run TestAggregateRegimeNoise -v -aggsim.noise
func TestAggregateRegimeNoise(t *testing.T) {
	if !*aggSimNoiseFlag {
		t.Skip("opt-in: -aggsim.noise")
	}
	var table strings.Builder
	rv := aggRubricVar(rand.New(rand.NewPCG(1, 2)))
	fmt.Fprintf(&table, "\n| shape a | θ | noise sd, median | RMSE median | ratio: Aggregate | ratio: Gaussian model, true reviewers | ratio: Bayes bound | precision@10%%: queue | precision@10%%: bound by doubt | by SD: Aggregate | by SD: bound |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	type sweep struct{ shape, theta float64 }
	var sweeps []sweep
	for _, theta := range []float64{1.0 / 25, 1.0 / 50, 1.0 / 100, 1.0 / 200, 1.0 / 400} {
		sweeps = append(sweeps, sweep{2, theta})
	}
	for _, shape := range []float64{1, 1.5, 3, 4} {
		sweeps = append(sweeps, sweep{shape, 1 / (100 * shape)})
	}
	for _, sw := range sweeps {
		r := aggRegimes(false)[3]
		r.precisionShape, r.precisionScale = sw.shape, sw.theta
		var rmd, ratio, gauss, bound, prec, precB, precSD, precSDB, noise []float64
		for seed := range 20 {
			d := aggRegimeDrawCohort(t, r, rand.New(rand.NewPCG(uint64(seed)+1+*aggSimOffsetFlag, 0x12e9)))
			res, err := Aggregate(d.in, AggregateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			run, best := aggRegimeMeasure(d, res), aggRegimeMeasure(d, aggBayes(d))
			known := aggRegimeMeasure(d, aggOracle(t, d, rv, true))
			rmd, ratio, bound = append(rmd, run.rmseMedian), append(ratio, run.rmseModel/run.rmseMedian), append(bound, best.rmseModel/best.rmseMedian)
			gauss = append(gauss, known.rmseModel/known.rmseMedian)
			prec, precB = append(prec, run.precision10), append(precB, best.precision10)
			precSD, precSDB = append(precSD, run.precision10SD), append(precSDB, best.precision10SD)
			sds := slices.Collect(maps.Values(d.noise))
			noise = append(noise, aggMedian(sds))
		}
		f := func(xs []float64, format string) string {
			m, h := aggMeanCI(xs)
			return fmt.Sprintf(format+" ± "+format, m, h)
		}
		mNoise, _ := aggMeanCI(noise)
		fmt.Fprintf(&table, "| %g | 1/%.0f | %.1f | %s | %s | %s | %s | %s | %s | %s | %s |\n", sw.shape, 1/sw.theta, mNoise, f(rmd, "%.2f"),
			f(ratio, "%.3f"), f(gauss, "%.3f"), f(bound, "%.3f"), f(prec, "%.2f"), f(precB, "%.2f"), f(precSD, "%.2f"), f(precSDB, "%.2f"))
		if m, _ := aggMeanCI(bound); m > 0.95 || m < 0.3 {
			t.Errorf("a = %v, θ = %v: Bayes-optimal ratio %.3f: check the computation", sw.shape, sw.theta, m)
		}
	}
	t.Logf("(e) 300, 30%% missing, 20 seeds (mean ± 95%% CI):%s", table.String())
}

// TestAggGamma checks the simulation's gamma draws: mean aθ, variance aθ².
func TestAggGamma(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, a := range []float64{0.5, 1, 1.5, 2, 4} {
		const n, theta = 200_000, 0.01
		var sum, sum2 float64
		for range n {
			x := aggGamma(rng, a, theta)
			sum, sum2 = sum+x, sum2+x*x
		}
		mean := sum / n
		variance := sum2/n - mean*mean
		if math.Abs(mean-a*theta) > 0.02*a*theta || math.Abs(variance-a*theta*theta) > 0.06*a*theta*theta {
			t.Errorf("Gamma(%v, %v): mean %.5f, variance %.7f; want %.5f, %.7f", a, theta, mean, variance, a*theta, a*theta*theta)
		}
	}
}

// aggRegimeStaffQueue measures precision@10% as issue #12 words it: of the
// first 10% of the correction queue the staff see once every part closed
// (newStaffView: the items with a reason, in queueOrder), the share among
// the 10% largest errors of the view's grades. Work without a review has
// no grade, hence no error, and is left out of both. It returns that
// share, the share of the graded work the queue holds, and the share of
// the grades on the wrong side of the pass mark that it holds.
func aggRegimeStaffQueue(tb testing.TB, d aggRegimeDraw) (precision, queued, wrongIn float64) {
	v := aggRegimeQueue(tb, d)
	graded := func(it *QueueItem) bool { return it.Model != nil && it.ReviewsDone > 0 }
	errOf := func(it *QueueItem) float64 { return math.Abs(it.Model.Grade - d.truth[it.Submission.ID]) }
	wrong := func(it *QueueItem) bool {
		return (it.Model.Grade >= PassMark) != (d.truth[it.Submission.ID] >= PassMark)
	}
	var errs []float64
	wrongAll, wrongQueued := 0, 0
	for _, it := range v.all {
		if graded(it) {
			errs = append(errs, errOf(it))
			if wrong(it) {
				wrongAll++
			}
		}
	}
	var q []*QueueItem
	for i := range v.queue {
		if graded(&v.queue[i]) {
			q = append(q, &v.queue[i])
			if wrong(&v.queue[i]) {
				wrongQueued++
			}
		}
	}
	if len(q) == 0 || len(errs) == 0 {
		return 0, 0, 0
	}
	slices.Sort(errs)
	cut := errs[len(errs)-max(len(errs)/10, 1)]
	top, hits := max(len(q)/10, 1), 0
	for _, it := range q[:top] {
		if errOf(it) >= cut {
			hits++
		}
	}
	return float64(hits) / float64(top), float64(len(q)) / float64(len(errs)), float64(wrongQueued) / float64(max(wrongAll, 1))
}

// aggRegimeQueue draws cohort d's correction queue as Service.Corrections
// does once every part closed (newStaffView): each assigned review a row,
// done when the cohort handed it in.
func aggRegimeQueue(tb testing.TB, d aggRegimeDraw) *staffView {
	done := map[[2]string]float64{}
	for _, r := range d.in.Reviews {
		done[[2]string{r.ReviewerID, r.SubmissionID}] = r.Score
	}
	var subs []*Submission
	seen := map[string]bool{}
	var rs []Review
	for i, a := range d.assigned {
		var part int
		fmt.Sscanf(a.Submission, "p%d-", &part)
		if !seen[a.Submission] {
			seen[a.Submission] = true
			subs = append(subs, &Submission{ID: a.Submission, SessionID: "s", Part: part + 1, AuthorID: a.Author})
		}
		r := Review{ID: fmt.Sprintf("r%06d", i), SessionID: "s", Part: part + 1, SubmissionID: a.Submission,
			AuthorID: a.Author, ReviewerID: a.Reviewer, Status: ReviewAssigned, Required: true}
		if pct, ok := done[[2]string{a.Reviewer, a.Submission}]; ok {
			r.Status, r.Percent = ReviewDone, pct
		}
		rs = append(rs, r)
	}
	states := map[int]PartState{}
	for p := range d.parts {
		states[p+1] = PartState{SessionID: "s", Part: p + 1, Phase: PhaseClosed, Mode: AssignModeFull, EffectiveK: 3}
	}
	v, err := newStaffView(time.Time{}, subs, rs, states, 3, UrgentPerAnimator)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}
