package grading

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// aggBenchInput builds a session of n submissions, each reviewed by 3 of n
// reviewers (a shuffled circulant) who are biased, noisy, and for one in ten
// careless.
func aggBenchInput(n int) AggregateInput {
	rng := rand.New(rand.NewPCG(uint64(n), 7))
	bias := make([]float64, n)
	noise := make([]float64, n)
	truth := make([]float64, n)
	for i := range n {
		bias[i], noise[i] = 10*rng.NormFloat64(), 3+12*rng.Float64()
		truth[i] = 65 + 15*rng.NormFloat64()
	}
	order := rng.Perm(n)
	in := AggregateInput{Reviews: make([]PeerScore, 0, 3*n)}
	for i, v := range order {
		for j := 1; j <= 3; j++ {
			u := order[(i+j)%n]
			z := truth[u] + bias[v] + noise[v]*rng.NormFloat64()
			if v%10 == 0 {
				z = 100 * rng.Float64()
			}
			in.Reviews = append(in.Reviews, PeerScore{
				ReviewerID:   fmt.Sprintf("r%07d", v),
				SubmissionID: fmt.Sprintf("s%07d", u),
				Score:        min(max(z, 0), 100),
			})
		}
	}
	return in
}

// BenchmarkAggregate times Aggregate on sessions of 1k to 1M submissions × 3
// reviews, input validation and sorting included.
func BenchmarkAggregate(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("subs=%d", n), func(b *testing.B) {
			in := aggBenchInput(n)
			b.ReportAllocs()
			var res AggregateResult
			for b.Loop() {
				var err error
				if res, err = Aggregate(in, AggregateOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(res.Iterations), "iterations")
		})
	}
}
