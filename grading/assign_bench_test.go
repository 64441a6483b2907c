package grading_test

import (
	"fmt"
	"testing"

	"librecours/grading"
)

// BenchmarkAssign assigns one part with k=3, first with no history, then with
// the history of five earlier parts (the sixth part of a session). Building the
// submitters and the history is not timed.
func BenchmarkAssign(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			in := grading.AssignInput{Submitters: assignSubmitters(n), K: 3}
			b.ReportAllocs()
			rng := assignRand(1)
			for b.Loop() {
				if _, err := grading.Assign(in, rng); err != nil {
					b.Fatal(err)
				}
			}
		})
		if n > 100_000 {
			continue
		}
		b.Run(fmt.Sprintf("n=%d/history=5parts", n), func(b *testing.B) {
			in := grading.AssignInput{Submitters: assignSubmitters(n), K: 3, History: grading.PairHistory{}}
			rng := assignRand(2)
			for range 5 {
				res, err := grading.Assign(in, rng)
				if err != nil {
					b.Fatal(err)
				}
				in.History.Record(res.Assignments)
			}
			b.ReportAllocs()
			repeats := 0
			for b.Loop() {
				res, err := grading.Assign(in, rng)
				if err != nil {
					b.Fatal(err)
				}
				repeats = res.Repeats
			}
			b.ReportMetric(float64(repeats), "repeats")
		})
	}
}
