package grading_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"librecours/grading"
)

// assignSubmitters returns n submitters u0000.. with submissions s0000...
func assignSubmitters(n int) []grading.AssignSubmitter {
	subs := make([]grading.AssignSubmitter, n)
	for i := range subs {
		subs[i] = grading.AssignSubmitter{Author: fmt.Sprintf("u%04d", i), Submission: fmt.Sprintf("s%04d", i)}
	}
	return subs
}

// assignVerify lists every rule that res, returned by Assign(in), breaks.
func assignVerify(in grading.AssignInput, res grading.AssignResult) []string {
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }

	n := len(in.Submitters)
	wantK, wantMode := in.K, grading.AssignModeFull
	switch {
	case n == 0:
		wantK, wantMode = 0, grading.AssignModeEmpty
	case n == 1:
		wantK, wantMode = 0, grading.AssignModeLone
	case n <= in.K:
		wantK, wantMode = n-1, grading.AssignModeAllPairs
	}
	if res.EffectiveK != wantK || res.Mode != wantMode {
		fail("EffectiveK, Mode = %d, %q; want %d, %q", res.EffectiveK, res.Mode, wantK, wantMode)
	}
	if want := wantMode == grading.AssignModeAllPairs || wantMode == grading.AssignModeLone; res.Degraded() != want {
		fail("Degraded() = %t, want %t", res.Degraded(), want)
	}
	var wantUnreviewed []grading.AssignSubmitter
	if n == 1 {
		wantUnreviewed = in.Submitters
	}
	if diff := cmp.Diff(wantUnreviewed, res.Unreviewed); diff != "" {
		fail("Unreviewed (-want +got):\n%s", diff)
	}
	if len(res.Assignments) != n*wantK {
		fail("%d assignments, want %d", len(res.Assignments), n*wantK)
	}

	pos := make(map[string]int, n)
	for i, s := range in.Submitters {
		pos[s.Author] = i
	}
	load := make([]int, n)
	reviewers := make([]int, n)
	pairs := make(map[[2]int]bool, len(res.Assignments))
	repeats, prev := 0, [2]int{-1, -1}
	for _, a := range res.Assignments {
		r, okR := pos[a.Reviewer]
		w, okA := pos[a.Author]
		switch {
		case !okR || !okA:
			fail("%+v: unknown reviewer or author", a)
			continue
		case a.Submission != in.Submitters[w].Submission:
			fail("%+v: submission of %s is %q", a, a.Author, in.Submitters[w].Submission)
		case r == w:
			fail("%+v: reviews own work", a)
		case pairs[[2]int{r, w}]:
			fail("%+v: reviews the same submission twice", a)
		}
		if cur := [2]int{r, w}; cur[0] < prev[0] || cur[0] == prev[0] && cur[1] <= prev[1] {
			fail("%+v: not ordered by reviewer, then author", a)
		} else {
			prev = cur
		}
		pairs[[2]int{r, w}] = true
		load[r]++
		reviewers[w]++
		if in.History.Count(a.Reviewer, a.Author) > 0 {
			repeats++
		}
	}
	for i := range n {
		if load[i] != wantK || reviewers[i] != wantK {
			fail("%s reviews %d and is reviewed %d times, want %d", in.Submitters[i].Author, load[i], reviewers[i], wantK)
		}
	}
	if n > 0 && slices.Max(load)-slices.Min(load) > 1 {
		fail("reviewer loads range from %d to %d", slices.Min(load), slices.Max(load))
	}
	if res.Repeats != repeats {
		fail("Repeats = %d, want %d", res.Repeats, repeats)
	}
	if c := assignComponents(n, res.Assignments); n > 1 && c != 1 {
		fail("the review graph has %d components, want 1", c)
	}
	if m := assignMutual(res.Assignments); n > 2*in.K && m > 0 {
		fail("%d pairs review each other with n = %d > 2k = %d", m, n, 2*in.K)
	}
	return errs
}

// assignComponents counts the connected components of the review graph of
// n submitters (reviews as undirected edges), submitters without a review
// counting one each.
func assignComponents(n int, as []grading.Assignment) int {
	parent := map[string]string{}
	var find func(x string) string
	find = func(x string) string {
		p, ok := parent[x]
		if !ok || p == x {
			return x
		}
		parent[x] = find(p)
		return parent[x]
	}
	comps := n
	for _, a := range as {
		if ra, rb := find(a.Reviewer), find(a.Author); ra != rb {
			parent[ra] = rb
			comps--
		}
	}
	return comps
}

// checkAssignment fails t for every rule res, returned by Assign(in), breaks.
func checkAssignment(t *testing.T, in grading.AssignInput, res grading.AssignResult) {
	t.Helper()
	errs := assignVerify(in, res)
	for _, e := range errs[:min(len(errs), 10)] {
		t.Error(e)
	}
}

// assignMutual counts the pairs who review each other.
func assignMutual(as []grading.Assignment) int {
	done := make(map[[2]string]bool, len(as))
	mutual := 0
	for _, a := range as {
		if done[[2]string{a.Author, a.Reviewer}] {
			mutual++
		}
		done[[2]string{a.Reviewer, a.Author}] = true
	}
	return mutual
}

func assignRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x11b7e)) }

func TestAssignConstraints(t *testing.T) {
	sizes := make([]int, 0, 80)
	for n := range 61 {
		sizes = append(sizes, n)
	}
	sizes = append(sizes, 63, 64, 99, 100, 101, 127, 128, 255, 256, 333, 500, 512, 999, 1000, 1024, 1500, 1999, 2000)
	for k := 1; k <= 5; k++ {
		for _, n := range sizes {
			t.Run(fmt.Sprintf("k=%d/n=%d", k, n), func(t *testing.T) {
				rng := assignRand(uint64(1000*k + n))
				in := grading.AssignInput{Submitters: assignSubmitters(n), K: k}
				first, err := grading.Assign(in, rng)
				if err != nil {
					t.Fatal(err)
				}
				checkAssignment(t, in, first)

				// Next part, with the first one as history.
				in.History = grading.PairHistory{}
				in.History.Record(first.Assignments)
				second, err := grading.Assign(in, rng)
				if err != nil {
					t.Fatal(err)
				}
				checkAssignment(t, in, second)

				// A dense random history, including pairs with strangers.
				in.History = grading.PairHistory{}
				for i := range n {
					for j := i + 1; j < n && j < i+40; j++ {
						if rng.IntN(2) == 0 {
							in.History[grading.NewPairKey(in.Submitters[i].Author, in.Submitters[j].Author)] = 1 + rng.IntN(3)
						}
					}
					in.History.Add(in.Submitters[i].Author, "stranger")
				}
				dense, err := grading.Assign(in, rng)
				if err != nil {
					t.Fatal(err)
				}
				checkAssignment(t, in, dense)
			})
		}
	}
}

func TestAssignErrors(t *testing.T) {
	tests := []struct {
		name string
		in   grading.AssignInput
		want error
	}{
		{"k zero", grading.AssignInput{Submitters: assignSubmitters(5)}, grading.ErrAssignInvalidK},
		{"k negative", grading.AssignInput{Submitters: assignSubmitters(5), K: -1}, grading.ErrAssignInvalidK},
		{"k zero without submitters", grading.AssignInput{}, grading.ErrAssignInvalidK},
		{"empty author", grading.AssignInput{K: 3, Submitters: []grading.AssignSubmitter{{Author: "a"}, {Author: ""}}}, grading.ErrAssignEmptyID},
		{"duplicate author", grading.AssignInput{K: 3, Submitters: []grading.AssignSubmitter{{Author: "a"}, {Author: "b"}, {Author: "a"}}}, grading.ErrAssignDuplicateID},
		{"duplicate submission", grading.AssignInput{K: 3, Submitters: []grading.AssignSubmitter{{"a", "s1"}, {"b", "s2"}, {"c", "s1"}}}, grading.ErrAssignDuplicateID},
		{"empty submissions are fine", grading.AssignInput{K: 3, Submitters: []grading.AssignSubmitter{{Author: "a"}, {Author: "b"}, {Author: "c"}}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := grading.Assign(tt.in, assignRand(1))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Assign() error = %v, want %v", err, tt.want)
			}
			if err == nil {
				checkAssignment(t, tt.in, res)
			}
		})
	}
}

func TestAssignSmallParts(t *testing.T) {
	subs := assignSubmitters(3)
	tests := []struct {
		name string
		in   grading.AssignInput
		want grading.AssignResult
	}{
		{"none", grading.AssignInput{K: 3}, grading.AssignResult{Mode: grading.AssignModeEmpty}},
		{"lone", grading.AssignInput{K: 3, Submitters: subs[:1]}, grading.AssignResult{
			Mode: grading.AssignModeLone, Unreviewed: subs[:1],
		}},
		{"two with k=3", grading.AssignInput{K: 3, Submitters: subs[:2]}, grading.AssignResult{
			Mode: grading.AssignModeAllPairs, EffectiveK: 1,
			Assignments: []grading.Assignment{{"u0000", "u0001", "s0001"}, {"u0001", "u0000", "s0000"}},
		}},
		{"three with k=3", grading.AssignInput{K: 3, Submitters: subs}, grading.AssignResult{
			Mode: grading.AssignModeAllPairs, EffectiveK: 2,
			Assignments: []grading.Assignment{
				{"u0000", "u0001", "s0001"}, {"u0000", "u0002", "s0002"},
				{"u0001", "u0000", "s0000"}, {"u0001", "u0002", "s0002"},
				{"u0002", "u0000", "s0000"}, {"u0002", "u0001", "s0001"},
			},
		}},
		{"three with k=2", grading.AssignInput{K: 2, Submitters: subs, History: grading.PairHistory{{A: "u0000", B: "u0001"}: 1}}, grading.AssignResult{
			Mode: grading.AssignModeFull, EffectiveK: 2, Repeats: 2,
			Assignments: []grading.Assignment{
				{"u0000", "u0001", "s0001"}, {"u0000", "u0002", "s0002"},
				{"u0001", "u0000", "s0000"}, {"u0001", "u0002", "s0002"},
				{"u0002", "u0000", "s0000"}, {"u0002", "u0001", "s0001"},
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := grading.Assign(tt.in, assignRand(7))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Assign() (-want +got):\n%s", diff)
			}
			checkAssignment(t, tt.in, got)
		})
	}
}

func TestAssignDeterministic(t *testing.T) {
	for _, n := range []int{8, 50, 1000} {
		t.Run(fmt.Sprint("n=", n), func(t *testing.T) {
			in := grading.AssignInput{Submitters: assignSubmitters(n), K: 3, History: grading.PairHistory{}}
			first, err := grading.Assign(in, assignRand(1))
			if err != nil {
				t.Fatal(err)
			}
			in.History.Record(first.Assignments)

			// Go randomises map iteration, so this also checks that the
			// history's order does not leak into the result.
			want, _ := grading.Assign(in, assignRand(42))
			for range 5 {
				got, _ := grading.Assign(in, assignRand(42))
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("same seed, different result (-first +again):\n%s", diff)
				}
			}

			distinct := map[string]bool{}
			for seed := range uint64(10) {
				got, _ := grading.Assign(in, assignRand(100+seed))
				distinct[fmt.Sprint(got.Assignments)] = true
			}
			if len(distinct) < 9 {
				t.Errorf("10 seeds gave %d distinct assignments, want at least 9", len(distinct))
			}
		})
	}
}

// TestAssignRepeatRate runs six parts of one session, each with the history of
// the ones before, and measures the share of assignments that pair two people
// again. A part uses 2k new pairs per person, so six parts with k=3 need 36 of
// the n-1 possible partners. From n = 12k+1 = 37 on, a repeat-free session
// exists (the unused pairs form an even-regular graph, which splits into
// 2-factors, Petersen), so the rate must be 0. Below that repeats are forced:
// without mutual reviews at most n(n-1)/2 of the 6nk assignments are new, so the
// floor is 1-(n-1)/36, 0.75 for n=10 and 0.19 for n=30.
func TestAssignRepeatRate(t *testing.T) {
	const k, parts = 3, 6
	tests := []struct {
		n       int
		maxRate float64
	}{
		{10, 0.78},
		{20, 0.50},
		{30, 0.25},
		{37, 0.005}, // the last part may repeat a pair to stay connected
		{100, 0},
		{1000, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint("n=", tt.n), func(t *testing.T) {
			run := func(useHistory bool) (rate float64, perPart []int, mutual int) {
				rng := assignRand(uint64(tt.n))
				seen := grading.PairHistory{}
				total, repeats := 0, 0
				for range parts {
					in := grading.AssignInput{Submitters: assignSubmitters(tt.n), K: k}
					if useHistory {
						in.History = seen
					}
					res, err := grading.Assign(in, rng)
					if err != nil {
						t.Fatal(err)
					}
					checkAssignment(t, in, res)
					r := 0
					for _, a := range res.Assignments {
						if seen.Count(a.Reviewer, a.Author) > 0 {
							r++
						}
					}
					perPart = append(perPart, r)
					total += len(res.Assignments)
					repeats += r
					mutual += assignMutual(res.Assignments)
					seen.Record(res.Assignments)
				}
				return float64(repeats) / float64(total), perPart, mutual
			}
			rate, perPart, mutual := run(true)
			blind, blindPerPart, _ := run(false)
			t.Logf("n=%d k=%d: repeat rate %.3f over %d parts (repeats per part %v, mutual pairs %d); ignoring history: %.3f %v",
				tt.n, k, rate, parts, perPart, mutual, blind, blindPerPart)
			if rate > tt.maxRate {
				t.Errorf("repeat rate %.3f, want at most %.3f", rate, tt.maxRate)
			}
			if tt.n > 2*k && mutual > 0 {
				t.Errorf("%d pairs review each other, want 0", mutual)
			}
		})
	}
}

// TestAssignRepeatFreeFromThreshold checks, over several seeds, six parts with
// n = 12k+1 (the smallest n where a repeat-free session exists, and the
// hardest, since the last part must use exactly the unused pairs): nobody
// reviews someone who reviews them, every part is connected, and repeats are
// only those connectivity forces. The unused pairs left for the last part need
// not form a connected graph, and a connected graph comes first (the model
// needs it to compare reviewers), so joining its pieces may repeat a pair or
// two; with k = 1 a connected part is one cycle through everyone, which may
// force one repeat from part 4 on.
func TestAssignRepeatFreeFromThreshold(t *testing.T) {
	const maxRepeats = 6 // per session of six parts, measured at most 5 (k = 1)
	for k := 1; k <= 5; k++ {
		n := 12*k + 1
		for seed := range uint64(8) {
			t.Run(fmt.Sprintf("k=%d/n=%d/seed=%d", k, n, seed), func(t *testing.T) {
				rng := assignRand(seed)
				in := grading.AssignInput{Submitters: assignSubmitters(n), K: k, History: grading.PairHistory{}}
				repeats := 0
				for part := range 6 {
					res, err := grading.Assign(in, rng)
					if err != nil {
						t.Fatal(err)
					}
					checkAssignment(t, in, res)
					if m := assignMutual(res.Assignments); m > 0 {
						t.Errorf("part %d: %d mutual pairs; want none", part+1, m)
					}
					if part < 3 && res.Repeats > 0 {
						t.Errorf("part %d: %d repeats, want none before part 4", part+1, res.Repeats)
					}
					repeats += res.Repeats
					in.History.Record(res.Assignments)
				}
				if repeats > maxRepeats {
					t.Errorf("%d repeats over six parts, want at most %d", repeats, maxRepeats)
				}
			})
		}
	}
}

func TestAssignLate(t *testing.T) {
	cands := func(loads ...int) []grading.AssignCandidate {
		cs := make([]grading.AssignCandidate, len(loads))
		for i, l := range loads {
			cs[i] = grading.AssignCandidate{Reviewer: fmt.Sprintf("c%d", i), Load: l}
		}
		return cs
	}
	tests := []struct {
		name    string
		in      grading.AssignExtraInput
		k       int
		want    []string
		wantErr error
	}{
		{name: "least loaded first", k: 3,
			in:   grading.AssignExtraInput{Author: "late", Submission: "s", Candidates: cands(5, 3, 4, 2, 6)},
			want: []string{"c3", "c1", "c2"}},
		{name: "avoids repeat pairs at equal load", k: 2,
			in: grading.AssignExtraInput{Author: "late", Submission: "s", Candidates: cands(3, 3, 3, 3),
				History: grading.PairHistory{grading.NewPairKey("late", "c0"): 2, grading.NewPairKey("c1", "late"): 1, grading.NewPairKey("c2", "late"): 3}},
			want: []string{"c3", "c1"}},
		{name: "load before history", k: 1,
			in: grading.AssignExtraInput{Author: "late", Submission: "s", Candidates: cands(4, 3),
				History: grading.PairHistory{grading.NewPairKey("late", "c1"): 1}},
			want: []string{"c1"}},
		{name: "never the author or the excluded", k: 3,
			in: grading.AssignExtraInput{Author: "c0", Submission: "s", Exclude: []string{"c2", "c3"},
				Candidates: cands(0, 9, 0, 0, 8)},
			want: []string{"c4", "c1"}},
		{name: "not enough candidates", k: 3,
			in:   grading.AssignExtraInput{Author: "late", Submission: "s", Candidates: cands(3)},
			want: []string{"c0"}},
		{name: "no candidates", k: 3,
			in:   grading.AssignExtraInput{Author: "late", Submission: "s"},
			want: []string{}},
		{name: "k zero", k: 0, in: grading.AssignExtraInput{Author: "late"}, wantErr: grading.ErrAssignInvalidK},
		{name: "empty author", k: 3, in: grading.AssignExtraInput{Candidates: cands(1)}, wantErr: grading.ErrAssignEmptyID},
		{name: "empty candidate", k: 3,
			in:      grading.AssignExtraInput{Author: "late", Candidates: []grading.AssignCandidate{{Reviewer: ""}}},
			wantErr: grading.ErrAssignEmptyID},
		{name: "duplicate candidate", k: 3,
			in:      grading.AssignExtraInput{Author: "late", Candidates: append(cands(1, 2), grading.AssignCandidate{Reviewer: "c0"})},
			wantErr: grading.ErrAssignDuplicateID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := grading.AssignLate(tt.in, tt.k, assignRand(3))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("AssignLate() error = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			want := make([]grading.Assignment, len(tt.want))
			for i, r := range tt.want {
				want[i] = grading.Assignment{Reviewer: r, Author: tt.in.Author, Submission: tt.in.Submission}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("AssignLate() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAssignLateTies(t *testing.T) {
	in := grading.AssignExtraInput{Author: "late", Submission: "s"}
	for i := range 6 {
		in.Candidates = append(in.Candidates, grading.AssignCandidate{Reviewer: fmt.Sprintf("c%d", i), Load: 3})
	}
	want, err := grading.AssignLate(in, 3, assignRand(9))
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := grading.AssignLate(in, 3, assignRand(9)); !cmp.Equal(want, again) {
		t.Errorf("same seed gave %v then %v", want, again)
	}
	chosen := map[string]bool{}
	for seed := range uint64(20) {
		got, _ := grading.AssignLate(in, 3, assignRand(seed))
		if len(got) != 3 {
			t.Fatalf("seed %d: %d reviewers, want 3", seed, len(got))
		}
		for _, a := range got {
			chosen[a.Reviewer] = true
		}
	}
	if len(chosen) != len(in.Candidates) {
		t.Errorf("20 seeds chose only %v among 6 tied candidates", chosen)
	}
}

func TestPickReplacement(t *testing.T) {
	tests := []struct {
		name    string
		in      grading.AssignExtraInput
		want    string
		wantOK  bool
		wantErr error
	}{
		{name: "least loaded, not author, not current or lapsed reviewers",
			in: grading.AssignExtraInput{Author: "a", Submission: "s", Exclude: []string{"r1", "r2", "lapsed"},
				Candidates: []grading.AssignCandidate{{"a", 0}, {"r1", 0}, {"lapsed", 0}, {"x", 4}, {"y", 3}, {"z", 5}}},
			want: "y", wantOK: true},
		{name: "avoids a repeat pair",
			in: grading.AssignExtraInput{Author: "a", Submission: "s",
				Candidates: []grading.AssignCandidate{{"x", 3}, {"y", 3}},
				History:    grading.PairHistory{grading.NewPairKey("a", "x"): 1}},
			want: "y", wantOK: true},
		{name: "nobody left",
			in: grading.AssignExtraInput{Author: "a", Submission: "s", Exclude: []string{"x"},
				Candidates: []grading.AssignCandidate{{"a", 0}, {"x", 0}}}},
		{name: "empty author", in: grading.AssignExtraInput{}, wantErr: grading.ErrAssignEmptyID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := grading.PickReplacement(tt.in, assignRand(5))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("PickReplacement() error = %v, want %v", err, tt.wantErr)
			}
			var want grading.Assignment
			if tt.wantOK {
				want = grading.Assignment{Reviewer: tt.want, Author: tt.in.Author, Submission: tt.in.Submission}
			}
			if ok != tt.wantOK || got != want {
				t.Errorf("PickReplacement() = %+v, %t; want %+v, %t", got, ok, want, tt.wantOK)
			}
		})
	}
}

func TestPairHistory(t *testing.T) {
	h := grading.PairHistory{}
	h.Add("b", "a")
	h.Record([]grading.Assignment{{Reviewer: "a", Author: "b"}, {Reviewer: "c", Author: "a"}})
	if got := h.Count("a", "b"); got != 2 {
		t.Errorf("Count(a, b) = %d, want 2", got)
	}
	if got := h.Count("a", "c"); got != 1 {
		t.Errorf("Count(a, c) = %d, want 1", got)
	}
	if got := (grading.PairHistory)(nil).Count("a", "b"); got != 0 {
		t.Errorf("nil Count = %d, want 0", got)
	}
	if grading.NewPairKey("x", "y") != grading.NewPairKey("y", "x") {
		t.Error("NewPairKey depends on the order")
	}
}

// TestCheckAssignmentCatchesBrokenOutput breaks a valid assignment in each way
// the checker guards against and expects it to complain.
func TestCheckAssignmentCatchesBrokenOutput(t *testing.T) {
	in := grading.AssignInput{Submitters: assignSubmitters(8), K: 3, History: grading.PairHistory{}}
	in.History.Add("u0000", "u0001")
	good, err := grading.Assign(in, assignRand(11))
	if err != nil {
		t.Fatal(err)
	}
	if errs := assignVerify(in, good); len(errs) > 0 {
		t.Fatalf("valid assignment rejected: %v", errs)
	}
	breaks := []struct {
		name   string
		mutate func(r *grading.AssignResult)
	}{
		{"own work", func(r *grading.AssignResult) { r.Assignments[0].Author = r.Assignments[0].Reviewer }},
		{"twice the same", func(r *grading.AssignResult) { r.Assignments[1] = r.Assignments[0] }},
		{"missing review", func(r *grading.AssignResult) { r.Assignments = r.Assignments[1:] }},
		{"wrong submission", func(r *grading.AssignResult) { r.Assignments[0].Submission = "s9999" }},
		{"unknown reviewer", func(r *grading.AssignResult) { r.Assignments[0].Reviewer = "ghost" }},
		{"loads off by two", func(r *grading.AssignResult) {
			// u0000 hands one review to u0001, who reviews 4 while u0000 reviews 2.
			for i, a := range r.Assignments {
				if a.Reviewer == "u0000" && a.Author != "u0001" && !slices.Contains(r.Assignments, grading.Assignment{Reviewer: "u0001", Author: a.Author, Submission: a.Submission}) {
					r.Assignments[i].Reviewer = "u0001"
					break
				}
			}
		}},
		{"wrong effective k", func(r *grading.AssignResult) { r.EffectiveK = 2 }},
		{"not flagged", func(r *grading.AssignResult) { r.Mode = grading.AssignModeAllPairs }},
		{"repeats miscounted", func(r *grading.AssignResult) { r.Repeats++ }},
		{"out of order", func(r *grading.AssignResult) {
			r.Assignments[0], r.Assignments[1] = r.Assignments[1], r.Assignments[0]
		}},
	}
	for _, b := range breaks {
		t.Run(b.name, func(t *testing.T) {
			broken := good
			broken.Assignments = slices.Clone(good.Assignments)
			b.mutate(&broken)
			if errs := assignVerify(in, broken); len(errs) == 0 {
				t.Errorf("checker accepted the broken assignment %+v", broken.Assignments)
			}
		})
	}
}

// TestCheckAssignmentCatchesSplitAndMutual feeds the checker two hand-made
// assignments with K = 1 that keep every load right: two separate cycles (a
// split graph, as the old circulant gave when its offset shared a factor with
// n) and pairs reviewing each other.
func TestCheckAssignmentCatchesSplitAndMutual(t *testing.T) {
	subs := assignSubmitters(6)
	in := grading.AssignInput{Submitters: subs, K: 1}
	build := func(next []int) grading.AssignResult {
		res := grading.AssignResult{Mode: grading.AssignModeFull, EffectiveK: 1}
		for r, a := range next {
			res.Assignments = append(res.Assignments, grading.Assignment{Reviewer: subs[r].Author, Author: subs[a].Author, Submission: subs[a].Submission})
		}
		return res
	}
	tests := []struct {
		name string
		next []int // next[r] is whom r reviews
		want string
	}{
		{"one cycle", []int{1, 2, 3, 4, 5, 0}, ""},
		{"two cycles", []int{1, 2, 0, 4, 5, 3}, "the review graph has 2 components, want 1"},
		{"mutual pairs", []int{1, 0, 3, 2, 5, 4}, "pairs review each other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := assignVerify(in, build(tt.next))
			if tt.want == "" {
				if len(errs) > 0 {
					t.Fatalf("valid assignment rejected: %v", errs)
				}
				return
			}
			if !slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, tt.want) }) {
				t.Errorf("checker said %v, want a line with %q", errs, tt.want)
			}
		})
	}
}

func TestAssignOwed(t *testing.T) {
	targets := []grading.AssignTarget{
		{Author: "late", Submission: "s-late", Reviews: 0},
		{Author: "a", Submission: "sa", Reviews: 3},
		{Author: "b", Submission: "sb", Reviews: 1},
		{Author: "c", Submission: "sc", Reviews: 2},
		{Author: "d", Submission: "sd", Reviews: 2},
		{Author: "e", Submission: "se", Reviews: 0},
	}
	tests := []struct {
		name string
		in   grading.AssignOwedInput
		k    int
		want []string // submissions, in the order chosen
	}{
		{"fewest reviews first, never own", grading.AssignOwedInput{Reviewer: "late", Targets: targets}, 2, []string{"se", "sb"}},
		{"excluded skipped", grading.AssignOwedInput{Reviewer: "late", Targets: targets, Exclude: []string{"se"}}, 1, []string{"sb"}},
		{"history breaks ties", grading.AssignOwedInput{Reviewer: "late", Targets: targets, History: grading.PairHistory{grading.NewPairKey("late", "c"): 1}}, 3, []string{"se", "sb", "sd"}},
		{"fewer than k", grading.AssignOwedInput{Reviewer: "late", Targets: targets[:2]}, 3, []string{"sa"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			as, err := grading.AssignOwed(tt.in, tt.k, assignRand(3))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range as {
				if a.Reviewer != "late" {
					t.Errorf("%+v: wrong reviewer", a)
				}
				got = append(got, a.Submission)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("AssignOwed (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := grading.AssignOwed(grading.AssignOwedInput{Reviewer: "late", Targets: targets}, 0, assignRand(1)); !errors.Is(err, grading.ErrAssignInvalidK) {
		t.Errorf("k = 0: %v", err)
	}
	if _, err := grading.AssignOwed(grading.AssignOwedInput{Reviewer: "late", Targets: append(targets, targets[1])}, 1, assignRand(1)); !errors.Is(err, grading.ErrAssignDuplicateID) {
		t.Errorf("duplicate target: %v", err)
	}
}
