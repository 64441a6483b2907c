package grading

import (
	"flag"
	"math"
	"math/rand/v2"
	"testing"
)

var (
	aggSimGapFlag   = flag.Bool("aggsim.gap", false, "run TestAggregateRegimeGap (about 10 s)")
	aggSimThetaFlag = flag.Float64("aggsim.theta", 0, "TestAggregateRegimeGap: the reviewers' precision scale θ (0: the regimes' 1/200)")
)

// aggRubricVar is the variance, in points², that the rubric's rounding and
// dither add to a review's latent percentage, for latent percentages
// between 20 and 90 (where clamping rarely bites): measured by Monte Carlo.
func aggRubricVar(rng *rand.Rand) float64 {
	var ss float64
	const n = 200_000
	for range n {
		z := 20 + 70*rng.Float64()
		pts := 0.0
		for range 4 {
			pts += min(max(math.Round(4*(z+4*rng.NormFloat64())/100), 0), 4)
		}
		e := 100*pts/16 - z
		ss += e * e
	}
	return ss / n
}

// TestAggregateRegimeGap splits the gap between Aggregate and the
// Bayes-optimal grades of regime (e) (TestAggregateRegimeBound, which knows
// every reviewer's bias and noise): Aggregate with hyperparameters given
// instead of estimated; a Gibbs sampler of the simulation's own model, which
// learns the reviewers as well as any estimator can from the same reviews;
// Aggregate's fit with the true biases or noises put in; and the model's
// form with every reviewer's true bias and noise (the rubric's variance
// added to the noise). Each line gives the RMSE ratio to the median and its
// difference to Aggregate's, paired by seed. Opt-in:
//
//	go test ./grading -run TestAggregateRegimeGap -v -aggsim.gap
func TestAggregateRegimeGap(t *testing.T) {
	if !*aggSimGapFlag {
		t.Skip("opt-in: -aggsim.gap")
	}
	r := aggRegimes(false)[3]
	r.precisionScale = *aggSimThetaFlag
	rv := aggRubricVar(rand.New(rand.NewPCG(1, 2)))
	t.Logf("rubric variance %.1f points² (sd %.2f)", rv, math.Sqrt(rv))
	variants := []struct {
		name string
		fn   func(d aggRegimeDraw) AggregateResult
	}{
		{"Aggregate", aggregateWith(t, AggregateOptions{})},
		{"Aggregate, BiasSD 6 given", aggregateWith(t, AggregateOptions{BiasSD: 6})},
		{"Aggregate, ScoreSD 15 given", aggregateWith(t, AggregateOptions{ScoreSD: 15})},
		{"Aggregate, NoiseWeight 8", aggregateWith(t, AggregateOptions{NoiseWeight: 8})},
		{"Aggregate, NoiseWeight 2", aggregateWith(t, AggregateOptions{NoiseWeight: 2})},
		{"Aggregate, MinReviewerReviews 4", aggregateWith(t, AggregateOptions{MinReviewerReviews: 4})},
		{"Gibbs sampler of the true model (learnt reviewers)", func(d aggRegimeDraw) AggregateResult {
			return aggGibbs(t, d, rand.New(rand.NewPCG(9, 9)), 2000, 200)
		}},
		{"learnt reviewers, true biases", func(d aggRegimeDraw) AggregateResult {
			return aggHalfOracle(t, d, aggHalf{bias: true, rv: rv})
		}},
		{"learnt reviewers, true noises", func(d aggRegimeDraw) AggregateResult {
			return aggHalfOracle(t, d, aggHalf{noise: true, rv: rv})
		}},
		{"learnt reviewers, no Student-t weights", func(d aggRegimeDraw) AggregateResult {
			return aggHalfOracle(t, d, aggHalf{noT: true})
		}},
		{"learnt reviewers, each bias's variance in the grade", func(d aggRegimeDraw) AggregateResult {
			return aggHalfOracle(t, d, aggHalf{bVar: true})
		}},
		{"learnt reviewers, each bias without the review graded", func(d aggRegimeDraw) AggregateResult {
			return aggHalfOracle(t, d, aggHalf{cavity: true})
		}},
		{"model form, true reviewers, estimated prior", func(d aggRegimeDraw) AggregateResult {
			return aggOracle(t, d, rv, false)
		}},
		{"model form, true reviewers, true prior N(65,15)", func(d aggRegimeDraw) AggregateResult {
			return aggOracle(t, d, rv, true)
		}},
	}
	var base []float64
	for _, v := range variants {
		var ratio, diff []float64
		for seed := range 20 {
			d := aggRegimeDrawCohort(t, r, rand.New(rand.NewPCG(uint64(seed)+1+*aggSimOffsetFlag, 0x12e9)))
			run := aggRegimeMeasure(d, v.fn(d))
			ratio = append(ratio, run.rmseModel/run.rmseMedian)
			if base != nil {
				diff = append(diff, ratio[seed]-base[seed])
			}
		}
		if base == nil {
			base = ratio
			diff = make([]float64, len(ratio))
		}
		m, h := aggMeanCI(ratio)
		md, hd := aggMeanCI(diff)
		t.Logf("%-52s ratio %.3f ± %.3f, %+.3f ± %.3f", v.name, m, h, md, hd)
	}
}

// aggOracle grades d with the model's per-submission posterior, every
// reviewer at their true bias and precision 1/(noise² + rv), no Student-t
// weights, the score prior estimated as Aggregate does or the true one.
func aggOracle(t *testing.T, d aggRegimeDraw, rv float64, truePrior bool) AggregateResult {
	m, g := aggPlanned(t, d)
	for v, id := range g.revIDs {
		m.revs[v] = aggRev{b: d.bias[id], tau: 1 / (d.noise[id]*d.noise[id] + rv), est: true}
	}
	m.w = make([]float64, len(g.subZ))
	for p := range m.w {
		m.w[p] = 1
	}
	var buf []float64
	var medians []float64
	for u := range m.subs {
		if m.subs[u].kind == aggKindModel {
			buf, m.subs[u].s = m.medianOf(u, buf)
			medians = append(medians, m.subs[u].s)
		}
	}
	md := aggMedian(medians)
	for i, x := range medians {
		medians[i] = math.Abs(x - md)
	}
	mad := 1.4826 * aggMedian(medians)
	m.floorVar = aggScoreFloorShare * mad * mad
	m.updateScoreHyper()
	for range 200 {
		if truePrior {
			m.mu, m.gamma = 65, 1.0/225
		}
		delta := m.updateScores(false)
		if !truePrior {
			m.updateScoreHyper()
		}
		if delta < 1e-3 {
			break
		}
	}
	m.converged = true
	return m.result()
}

// aggHalf says what aggHalfOracle changes in Aggregate's fit.
type aggHalf struct {
	bias, noise bool // the true biases, noises (plus the rubric's variance rv)
	noT         bool // no Student-t weights
	// bVar counts each estimated bias's posterior variance in the grade;
	// cavity grades each review with its reviewer's bias (mean and
	// variance) learnt without that review, which bVar counts twice.
	bVar, cavity bool
	rv           float64 // the rubric's variance
}

// aggHalfOracle fits Aggregate's model, changes it as h says, and grades
// again given those reviewers.
func aggHalfOracle(t *testing.T, d aggRegimeDraw, h aggHalf) AggregateResult {
	m, g := aggPlanned(t, d)
	m.run()
	for v, id := range g.revIDs {
		if h.bias {
			m.revs[v].b, m.revs[v].bVar = d.bias[id]-m.common, 0
		}
		if h.noise {
			m.revs[v].tau = 1 / (d.noise[id]*d.noise[id] + h.rv)
		}
	}
	for v := range m.revs {
		if h.bVar && m.revs[v].est {
			m.revs[v].bVar = m.dVar[v]
		}
	}
	if h.cavity {
		aggCavity(m)
		return m.result()
	}
	if h.noT {
		for p := range m.w {
			m.w[p] = 1
		}
	}
	for range 200 {
		delta := m.updateScores(false)
		m.updateScoreHyper()
		if delta < 1e-3 {
			break
		}
	}
	return m.result()
}

// aggGibbs grades d with the posterior means of a Gibbs sampler of the
// model with the simulation's own priors (true scores N(65, 15), biases
// N(0, 6); precisions of the rubric-blurred noise Gamma(shape 2, mean
// 1/125), near the simulation's Gamma(2, mean 1/100) blurred by 25 points²): the
// Bayes-optimal grades of a learner that does not know the reviewers, up to
// the rubric's rounding. It shows how much of the gap to the bound is the
// price of learning the reviewers from ~12 reviews each.
func aggGibbs(t *testing.T, d aggRegimeDraw, rng *rand.Rand, sweeps, burn int) AggregateResult {
	g, err := aggBuildGraph(d.in)
	if err != nil {
		t.Fatal(err)
	}
	const mu, gamma, eta = 65.0, 1.0 / 225, 1.0 / 36
	const alpha, beta = 2.0, 2.0 * 125 // Gamma(shape α, rate β): mean α/β = 1/125
	nS, nR := len(g.subIDs), len(g.revIDs)
	s, b, tau := make([]float64, nS), make([]float64, nR), make([]float64, nR)
	sum := make([]float64, nS)
	for v := range tau {
		tau[v] = 1.0 / 125
	}
	for u := range s {
		s[u] = mu
	}
	for it := range sweeps {
		for u := range s {
			num, prec := gamma*mu, gamma
			for p := g.subStart[u]; p < g.subStart[u+1]; p++ {
				v := g.subRev[p]
				num += tau[v] * (g.subZ[p] - b[v])
				prec += tau[v]
			}
			s[u] = num/prec + rng.NormFloat64()/math.Sqrt(prec)
		}
		for v := range b {
			var num, prec, ss float64
			for p := g.revStart[v]; p < g.revStart[v+1]; p++ {
				num += tau[v] * (g.revZ[p] - s[g.revSub[p]])
				prec += tau[v]
			}
			prec += eta
			b[v] = num/prec + rng.NormFloat64()/math.Sqrt(prec)
			n := float64(g.revStart[v+1] - g.revStart[v])
			for p := g.revStart[v]; p < g.revStart[v+1]; p++ {
				e := g.revZ[p] - s[g.revSub[p]] - b[v]
				ss += e * e
			}
			tau[v] = aggGammaMT(rng, alpha+n/2) / (beta + ss/2)
		}
		if it >= burn {
			for u := range s {
				sum[u] += s[u]
			}
		}
	}
	var res AggregateResult
	for u, id := range g.subIDs {
		res.Submissions = append(res.Submissions, AggregateGrade{SubmissionID: id,
			Grade: min(max(sum[u]/float64(sweeps-burn), 0), 100), Method: GradeMethodPeersModel, SD: 1})
	}
	return res
}

// aggCavity grades every model-graded submission once, each review with its
// reviewer's bias learnt from their other reviews only: its mean and
// variance without that review's evidence (the cavity of expectation
// propagation), so the review is not counted twice.
func aggCavity(m *aggModel) {
	g := m.g
	for p, u := range g.revSub {
		su := &m.subs[u]
		m.loo[p], m.looVar[p] = su.num, su.prec
		m.revW[p] = m.w[g.revP[p]]
		if su.kind == aggKindMedian {
			m.looVar[p] = -1
		}
	}
	cb, cv := make([]float64, len(g.subZ)), make([]float64, len(g.subZ)) // by submission
	wp, rp := make([]float64, len(g.revZ)), make([]float64, len(g.revZ))
	for v := range m.revs {
		r := &m.revs[v]
		for p := g.revStart[v]; p < g.revStart[v+1]; p++ {
			cb[g.revP[p]], cv[g.revP[p]] = r.b, r.bVar
		}
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
			loo := (m.loo[p] - t*(z-m.common-r.b)) * inv
			wp[p], rp[p] = wt/(1/r.tau+inv), z-m.common-loo
			sw += wp[p]
			swr += wp[p] * rp[p]
		}
		full := swr / (m.eta + sw)
		for p := g.revStart[v]; p < g.revStart[v+1]; p++ {
			c := (swr - wp[p]*rp[p]) / (m.eta + sw - wp[p])
			cb[g.revP[p]], cv[g.revP[p]] = r.b+c-full, 1/(m.eta+sw-wp[p])
		}
	}
	for u := range m.subs {
		su := &m.subs[u]
		if su.kind != aggKindModel {
			continue
		}
		num, prec := m.gamma*m.mu, m.gamma
		for p := g.subStart[u]; p < g.subStart[u+1]; p++ {
			t := m.revs[g.subRev[p]].tau * m.w[p]
			t /= 1 + t*cv[p]
			num += t * (g.subZ[p] - m.common - cb[p])
			prec += t
		}
		su.num, su.prec, su.s = num, prec, num/prec
	}
}

// aggregateWith grades a draw with Aggregate and options o.
func aggregateWith(t *testing.T, o AggregateOptions) func(d aggRegimeDraw) AggregateResult {
	return func(d aggRegimeDraw) AggregateResult {
		res, err := Aggregate(d.in, o)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
}

// aggPlanned is Aggregate's model of d with the default options, planned
// but not run.
func aggPlanned(t *testing.T, d aggRegimeDraw) (*aggModel, *aggGraph) {
	o, err := AggregateOptions{}.aggResolve()
	if err != nil {
		t.Fatal(err)
	}
	g, err := aggBuildGraph(d.in)
	if err != nil {
		t.Fatal(err)
	}
	m := aggNewModel(g, o)
	m.plan()
	return m, g
}
