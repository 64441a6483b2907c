package grading

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestCalibrationSample(t *testing.T) {
	t.Parallel()
	ids := func(prefix string, n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("%s%03d", prefix, i)
		}
		return out
	}
	tests := []struct {
		name  string
		parts map[int][]string
		opts  CalibrationOptions
		want  map[int]int // sample size per part
	}{
		{"defaults: 5% rounded up, at least 2", map[int][]string{1: ids("a", 300), 2: ids("b", 41), 3: ids("c", 10), 4: ids("d", 1)},
			CalibrationOptions{}, map[int]int{1: 15, 2: 3, 3: 2, 4: 1}},
		{"no submissions", map[int][]string{1: nil}, CalibrationOptions{}, map[int]int{1: 0}},
		{"duplicates and empty IDs count once", map[int][]string{1: {"x", "x", "", "y", "z"}}, CalibrationOptions{Min: 5}, map[int]int{1: 3}},
		{"share and minimum", map[int][]string{1: ids("a", 100)}, CalibrationOptions{Share: 0.2, Min: 3}, map[int]int{1: 20}},
		{"whole part", map[int][]string{1: ids("a", 7)}, CalibrationOptions{Share: 1}, map[int]int{1: 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := CalibrationSample(tt.parts, tt.opts, rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("parts %v, want %v", got, tt.want)
			}
			for part, n := range tt.want {
				s := got[part]
				if len(s) != n || !slices.IsSorted(s) || len(slices.Compact(slices.Clone(s))) != n {
					t.Errorf("part %d: %v, want %d distinct sorted IDs", part, s, n)
				}
				for _, id := range s {
					if id == "" || !slices.Contains(tt.parts[part], id) {
						t.Errorf("part %d: %q is not one of its submissions", part, id)
					}
				}
			}
		})
	}
}

func TestCalibrationSampleRandom(t *testing.T) {
	t.Parallel()
	parts := map[int][]string{1: nil, 2: nil}
	for i := range 40 {
		parts[1] = append(parts[1], fmt.Sprintf("a%02d", i))
		parts[2] = append(parts[2], fmt.Sprintf("b%02d", i))
	}
	draw := func(seed uint64, p map[int][]string) map[int][]string {
		got, err := CalibrationSample(p, CalibrationOptions{}, rand.New(rand.NewPCG(seed, 9)))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	first := draw(1, parts)
	// The same seed and set of IDs give the same sample, whatever their order.
	reversed := map[int][]string{1: slices.Clone(parts[1]), 2: slices.Clone(parts[2])}
	slices.Reverse(reversed[1])
	slices.Reverse(reversed[2])
	if again := draw(1, reversed); !slices.Equal(again[1], first[1]) || !slices.Equal(again[2], first[2]) {
		t.Errorf("seed 1 drew %v, then %v from the same IDs reversed", first, again)
	}
	// Every submission is drawn about as often: 2 of 40 over 4,000 seeds is
	// 200 times each on average; a fixed or biased pick is far outside 130..270.
	counts := map[string]int{}
	for seed := range uint64(4000) {
		for _, id := range draw(seed, parts)[1] {
			counts[id]++
		}
	}
	for _, id := range parts[1] {
		if c := counts[id]; c < 130 || c > 270 {
			t.Errorf("%s drawn %d times in 4,000 samples of 2 of 40, want about 200", id, c)
		}
	}
}

func TestCalibrationSampleInvalid(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name string
		opts CalibrationOptions
		rng  *rand.Rand
	}{
		{"no random source", CalibrationOptions{}, nil},
		{"negative share", CalibrationOptions{Share: -0.1}, rng},
		{"share above 1", CalibrationOptions{Share: 1.5}, rng},
		{"NaN share", CalibrationOptions{Share: math.NaN()}, rng},
		{"negative minimum", CalibrationOptions{Min: -1}, rng},
	}
	for _, tt := range tests {
		if _, err := CalibrationSample(map[int][]string{1: {"a"}}, tt.opts, tt.rng); !errors.Is(err, ErrAggregateOptions) {
			t.Errorf("%s: err %v, want ErrAggregateOptions", tt.name, err)
		}
	}
}

// TestAggregateCalibration: animator grades (the calibration sample, or
// confirmed grades) are known scores that calibrate the reviewers who
// reviewed them. A careful reviewer who grades 15 points too high, in a
// sparse cohort of noisy peers (2 reviews per work) who pin that down poorly,
// has the bias estimate move toward the truth as more of their reviews meet
// an animator's grade, and the work only they reviewed ("x", true 40, scored
// 55) is graded closer to its truth. It stays a few points above: a single
// review is drawn toward the session's mean (65).
func TestAggregateCalibration(t *testing.T) {
	t.Parallel()
	const biased = "r0"
	rng := rand.New(rand.NewPCG(12, 34))
	truth := map[string]float64{}
	bias := map[string]float64{biased: 15}
	var in AggregateInput
	const nRev = 8
	for v := 1; v < nRev; v++ {
		bias[fmt.Sprintf("r%d", v)] = 4 * rng.NormFloat64()
	}
	var ofBiased []string // submissions r0 reviewed, with another reviewer
	for i := range 24 {
		id := fmt.Sprintf("s%02d", i)
		truth[id] = min(max(65+15*rng.NormFloat64(), 0), 100)
		for _, j := range []int{i % nRev, (i + 3) % nRev} {
			v := fmt.Sprintf("r%d", j)
			if v == biased {
				ofBiased = append(ofBiased, id)
			}
			sd := 12.0
			if v == biased {
				sd = 4
			}
			z := min(max(truth[id]+bias[v]+sd*rng.NormFloat64(), 0), 100)
			in.Reviews = append(in.Reviews, PeerScore{ReviewerID: v, SubmissionID: id, Score: z})
		}
	}
	truth["x"] = 40
	in.Reviews = append(in.Reviews, PeerScore{ReviewerID: biased, SubmissionID: "x", Score: 40 + bias[biased]})
	tests := []struct {
		known       int     // how many of r0's reviewed submissions an animator graded
		maxBiasErr  float64 // |estimated − true| bias of r0, in points
		maxGradeErr float64 // |grade − truth| of x
	}{
		{0, 5.5, 9},
		{2, 4, 8},
		{len(ofBiased), 3, 6},
	}
	prevBias, prevGrade := math.Inf(1), math.Inf(1)
	for _, tt := range tests {
		in.AnimatorGrades = map[string]float64{}
		for _, id := range ofBiased[:tt.known] {
			in.AnimatorGrades[id] = truth[id]
		}
		res, err := Aggregate(in, AggregateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		r := aggTestReviewers(res)[biased]
		g := aggTestGrades(res)["x"]
		biasErr, gradeErr := math.Abs(r.Bias-bias[biased]), math.Abs(g.Grade-truth["x"])
		t.Logf("%d known: r0 bias %.2f (true %.0f), x graded %.2f (true 40, SD %.2f)", tt.known, r.Bias, bias[biased], g.Grade, g.SD)
		if g.Method != GradeMethodPeersModel || !r.Estimated {
			t.Fatalf("%d known: x %+v, r0 %+v: want a model grade and an estimated reviewer", tt.known, g, r)
		}
		if biasErr > tt.maxBiasErr || biasErr >= prevBias {
			t.Errorf("%d known: r0 bias %.2f is %.2f from the true 15, want ≤ %.1f and less than with fewer (%.2f)",
				tt.known, r.Bias, biasErr, tt.maxBiasErr, prevBias)
		}
		if gradeErr > tt.maxGradeErr || gradeErr >= prevGrade {
			t.Errorf("%d known: x graded %.2f, %.2f from its truth 40, want ≤ %.1f and less than with fewer (%.2f)",
				tt.known, g.Grade, gradeErr, tt.maxGradeErr, prevGrade)
		}
		prevBias, prevGrade = biasErr, gradeErr
	}
}
