package grading

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// AssignDefaultK is the number of reviews per submission when a session sets none.
const AssignDefaultK = 3

// Errors returned by Assign, AssignLate and PickReplacement.
var (
	ErrAssignInvalidK    = errors.New("grading: reviews per submission must be at least 1")
	ErrAssignEmptyID     = errors.New("grading: empty id in review assignment")
	ErrAssignDuplicateID = errors.New("grading: duplicate id in review assignment")
	ErrAssignTooMany     = errors.New("grading: too many submitters for one assignment")
)

// PairKey is an unordered pair of participants, with A <= B. Build it with
// NewPairKey so that both orders give the same key.
type PairKey struct{ A, B string }

// NewPairKey returns the key of the pair {a, b}, whichever order they come in.
func NewPairKey(a, b string) PairKey {
	if b < a {
		a, b = b, a
	}
	return PairKey{A: a, B: b}
}

// PairHistory counts how often two participants were paired in earlier parts of
// the session, whichever of them reviewed the other. It must not contain the part
// being assigned. Write it with Add or Record, or with NewPairKey keys. A nil
// PairHistory reads as empty.
type PairHistory map[PairKey]int

// Count returns how often a and b were paired.
func (h PairHistory) Count(a, b string) int { return h[NewPairKey(a, b)] }

// Add records one more pairing of a and b.
func (h PairHistory) Add(a, b string) { h[NewPairKey(a, b)]++ }

// Record adds the pair of every assignment, for feeding one part into the next.
func (h PairHistory) Record(as []Assignment) {
	for _, a := range as {
		h.Add(a.Reviewer, a.Author)
	}
}

// Assignment asks Reviewer to review Submission, written by Author.
type Assignment struct {
	Reviewer   string
	Author     string
	Submission string
}

// AssignSubmitter is one author of a part with their only submission. The
// submission ID may be empty; it is copied into the assignments as given.
type AssignSubmitter struct {
	Author     string
	Submission string
}

// AssignInput is everything Assign needs for one part.
type AssignInput struct {
	Submitters []AssignSubmitter
	K          int // reviews per submission, at least 1 (see AssignDefaultK)
	History    PairHistory
}

// AssignMode says how a part was assigned; animators see it when it is degraded.
type AssignMode string

// The assignment modes.
const (
	AssignModeFull     AssignMode = "full"      // every submission has K reviewers
	AssignModeAllPairs AssignMode = "all_pairs" // 2..K submitters: everyone reviews everyone else
	AssignModeLone     AssignMode = "lone"      // one submitter: no peer, animators grade it
	AssignModeEmpty    AssignMode = "empty"     // no submitter
)

// AssignResult is the assignment of one part.
type AssignResult struct {
	// Assignments are ordered by reviewer, then author, in the input order.
	Assignments []Assignment
	// EffectiveK is the number of reviewers of each submission, which is also the
	// number of reviews of each submitter: K, or n-1 when there are n <= K submitters.
	EffectiveK int
	Mode       AssignMode
	// Unreviewed lists the submissions no peer reviews (the lone submitter).
	Unreviewed []AssignSubmitter
	// Repeats counts the assignments whose pair is already in the history.
	Repeats int
}

// Degraded reports whether submissions get fewer than K peer reviews.
func (r AssignResult) Degraded() bool {
	return r.Mode == AssignModeAllPairs || r.Mode == AssignModeLone
}

// Assign draws the peer reviews of one part. With n submitters and n > K, every
// submission gets exactly K reviewers and every submitter reviews exactly K
// submissions, never their own and never one twice, and the review graph is
// connected (so the model can compare every reviewer with every other). Two
// people never review each other when n > 2K; pairs found in the history are
// avoided as far as a local search finds, connectivity first. With 2 <= n <= K everyone reviews everyone else. The rng,
// which must not be nil, is the only source of randomness: the same input and
// seed give the same result.
func Assign(in AssignInput, rng *rand.Rand) (AssignResult, error) {
	if in.K < 1 {
		return AssignResult{}, fmt.Errorf("%w: got %d", ErrAssignInvalidK, in.K)
	}
	if err := assignValidate(in.Submitters); err != nil {
		return AssignResult{}, err
	}
	n := len(in.Submitters)
	switch {
	case n == 0:
		return AssignResult{Mode: AssignModeEmpty}, nil
	case n == 1:
		return AssignResult{Mode: AssignModeLone, Unreviewed: slices.Clone(in.Submitters)}, nil
	}
	res := AssignResult{Mode: AssignModeFull, EffectiveK: in.K}
	if n <= in.K {
		res.Mode, res.EffectiveK = AssignModeAllPairs, n-1
	}
	s := assignState{k: res.EffectiveK, tgt: assignRegular(n, res.EffectiveK, rng),
		hist: assignHistory{h: in.History, subs: in.Submitters, memo: map[uint64]int32{}}}
	s.met = make([]int32, len(s.tgt))
	if len(in.History) > 0 {
		for e, a := range s.tgt {
			s.met[e] = s.hist.lookup(int32(e/s.k), a) // #nosec G115 -- reviewer and author indexes are below AssignMaxSubmitters < 2^31
		}
	}
	if s.k < n-1 {
		s.repair(rng)
	}
	s.connect(rng)
	if s.k < n-1 && n <= assignKeepMax && s.positive() {
		// Joining components may have cost repeats: search again, never
		// splitting the graph.
		s.keep = true
		s.repair(rng)
	}
	for _, m := range s.met {
		if m > 0 {
			res.Repeats++
		}
	}

	res.Assignments = make([]Assignment, 0, n*s.k)
	for r := range n {
		ts := s.tgt[r*s.k : (r+1)*s.k]
		slices.Sort(ts)
		for _, a := range ts {
			res.Assignments = append(res.Assignments, Assignment{
				Reviewer:   in.Submitters[r].Author,
				Author:     in.Submitters[a].Author,
				Submission: in.Submitters[a].Submission,
			})
		}
	}
	return res, nil
}

// assignValidate rejects empty or duplicate authors and duplicate non-empty
// submission IDs.
// AssignMaxSubmitters bounds one part's submitters, so that every index of
// the k·n assignments fits an int32.
const AssignMaxSubmitters = 10_000_000

func assignValidate(subs []AssignSubmitter) error {
	if len(subs) > AssignMaxSubmitters {
		return fmt.Errorf("%w: more than %d submitters", ErrAssignTooMany, AssignMaxSubmitters)
	}
	authors := make(map[string]struct{}, len(subs))
	var seen map[string]struct{}
	for i, s := range subs {
		if s.Author == "" {
			return fmt.Errorf("%w: author of submitter %d", ErrAssignEmptyID, i)
		}
		if _, dup := authors[s.Author]; dup {
			return fmt.Errorf("%w: author %q", ErrAssignDuplicateID, s.Author)
		}
		authors[s.Author] = struct{}{}
		if s.Submission == "" {
			continue
		}
		if seen == nil {
			seen = make(map[string]struct{}, len(subs))
		}
		if _, dup := seen[s.Submission]; dup {
			return fmt.Errorf("%w: submission %q", ErrAssignDuplicateID, s.Submission)
		}
		seen[s.Submission] = struct{}{}
	}
	return nil
}

// assignRegular draws a random k-regular review graph on n submitters: each
// reviews k others and is reviewed k times, never themselves and never twice.
// Up to n = 2k+1 it is the circulant of offsets 1..k on a shuffled circle (it
// contains a cycle through everyone, so it is connected, and for n = 2k+1 no
// two people review each other). Beyond, every author is dealt k times at
// random to the reviewers' slots (a configuration model) and the slots that
// hold the reviewer or a duplicate are swapped with random valid ones: the
// offsets of a circulant shared factors with n and split the graph. Mutual
// pairs and disconnection are removed afterwards (assignState.repair and
// connect). It returns k targets per reviewer, reviewer r's at [r*k, (r+1)*k).
func assignRegular(n, k int, rng *rand.Rand) []int32 {
	if n > 2*k+1 {
		if tgt, ok := assignConfiguration(n, k, rng); ok {
			return tgt
		}
	}
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i) // #nosec G115 -- n <= AssignMaxSubmitters < 2^31
	}
	rng.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	tgt := make([]int32, n*k)
	for i, r := range perm {
		for o := 1; o <= k; o++ {
			tgt[int(r)*k+o-1] = perm[(i+o)%n]
		}
	}
	return tgt
}

// assignFind is the root of x in a union-find forest, halving the path.
func assignFind(parent []int32, x int32) int32 {
	for parent[x] != x {
		parent[x] = parent[parent[x]]
		x = parent[x]
	}
	return x
}

// components returns the union-find forest of the review graph, reviews
// taken as undirected edges, in the state's scratch slice.
func (s *assignState) components() []int32 {
	n := len(s.tgt) / s.k
	if cap(s.uf) < n {
		s.uf = make([]int32, n)
	}
	parent := s.uf[:n]
	for i := range parent {
		parent[i] = int32(i) // #nosec G115 -- n <= AssignMaxSubmitters < 2^31
	}
	for e, a := range s.tgt {
		if x, y := assignFind(parent, int32(e/s.k)), assignFind(parent, a); x != y { // #nosec G115 -- reviewer and author indexes are below AssignMaxSubmitters < 2^31
			parent[x] = y
		}
	}
	return parent
}

// connected reports whether the review graph is connected.
func (s *assignState) connected() bool {
	parent := s.components()
	root := assignFind(parent, 0)
	for i := range parent {
		if assignFind(parent, int32(i)) != root { // #nosec G115 -- n <= AssignMaxSubmitters < 2^31
			return false
		}
	}
	return true
}

// assignConfigTries bounds the random partners tried for one bad slot of the
// configuration model before giving up (it never happens for n > 2k+1 in
// practice; the circulant is the fallback).
const assignConfigTries = 10_000

// assignConfiguration deals every author k times to the reviewers' slots and
// repairs the slots that hold the reviewer or a duplicate; false when a slot
// could not be repaired.
func assignConfiguration(n, k int, rng *rand.Rand) ([]int32, bool) {
	m := n * k
	tgt := make([]int32, m)
	for e := range tgt {
		tgt[e] = int32(e / k) // #nosec G115 -- n <= AssignMaxSubmitters < 2^31
	}
	rng.Shuffle(m, func(i, j int) { tgt[i], tgt[j] = tgt[j], tgt[i] })
	// holds reports whether reviewer r has author a in a slot other than skip.
	holds := func(r, a int32, skip int) bool {
		for e := int(r) * k; e < int(r+1)*k; e++ {
			if e != skip && tgt[e] == a {
				return true
			}
		}
		return false
	}
	for e := range m {
		r := int32(e / k) // #nosec G115 -- n <= AssignMaxSubmitters < 2^31
		if a := tgt[e]; a != r && !holds(r, a, e) {
			continue
		}
		fixed := false
		for range assignConfigTries {
			e2 := rng.IntN(m)
			r2, a, a2 := int32(e2/k), tgt[e], tgt[e2] // #nosec G115 -- n <= AssignMaxSubmitters < 2^31
			if r2 == r || a2 == r || a == r2 || holds(r, a2, e) || holds(r2, a, e2) {
				continue
			}
			tgt[e], tgt[e2] = a2, a
			fixed = true
			break
		}
		if !fixed {
			return nil, false
		}
	}
	return tgt, true
}

// assignHistory tells how often two submitters, by position, were paired
// before, remembering the pairs it looked up.
type assignHistory struct {
	h    PairHistory
	subs []AssignSubmitter
	memo map[uint64]int32
}

// lookup reads the count of u and v from the PairHistory.
func (c *assignHistory) lookup(u, v int32) int32 {
	return int32(min(max(c.h.Count(c.subs[u].Author, c.subs[v].Author), 0), 1<<24))
}

// count is lookup through the memo.
func (c *assignHistory) count(u, v int32) int32 {
	key := uint64(min(u, v))<<32 | uint64(max(u, v)) // #nosec G115 -- u and v are non-negative indexes
	x, ok := c.memo[key]
	if !ok {
		x = c.lookup(u, v)
		c.memo[key] = x
	}
	return x
}

// assignState is an assignment under local search. Its objective is the sum over
// unordered pairs of C(m, 2), m being the times the pair meets in the history and
// in this part: it is 0 when no pair repeats, and it spreads unavoidable repeats.
type assignState struct {
	k    int
	tgt  []int32
	met  []int32 // met[e]: earlier pairings of the pair of review e
	hist assignHistory
	// keep, when set, refuses every swap of repair that splits the graph.
	keep bool
	uf   []int32 // union-find scratch of connected
}

// Search effort of assignState.repair, in swaps evaluated. The search stops when
// no review has a positive cost, after assignStallPerReview swaps per review (at
// most assignStallMax) without a gain, or when the total budget is spent.
const (
	assignScanAll         = 512 // up to this many reviews, every swap partner is tried
	assignTries           = 64  // otherwise this many random partners per bad review
	assignStallPerReview  = 2000
	assignStallMax        = 1 << 18
	assignBudgetPerReview = 16
	assignBudgetBase      = 1 << 22
)

// reviews reports whether r reviews a in this part.
func (s *assignState) reviews(r, a int32) bool {
	return slices.Contains(s.tgt[int(r)*s.k:int(r+1)*s.k], a)
}

// assignKeepMax bounds the parts searched again once connected: each move
// of that search checks connectivity, O(n).
const assignKeepMax = 5000

// positive reports whether some review has a positive cost.
func (s *assignState) positive() bool {
	for e := range s.tgt {
		if s.costOf(e) > 0 {
			return true
		}
	}
	return false
}

// assignMutualCost is what two people reviewing each other in the same part
// costs the objective: more than any likely history, so that the search
// removes mutual pairs first (it always can when n > 2k).
const assignMutualCost = 1 << 12

// cost is what the objective gains when r starts reviewing a (or loses when r
// stops): the times r and a already meet besides that review.
func (s *assignState) cost(r, a int32) int32 {
	c := s.hist.count(r, a)
	if s.reviews(a, r) {
		c += assignMutualCost
	}
	return c
}

// costOf is the cost of review e.
func (s *assignState) costOf(e int) int32 {
	c := s.met[e]
	if s.reviews(s.tgt[e], int32(e/s.k)) { // #nosec G115 -- reviewer and author indexes are below AssignMaxSubmitters < 2^31
		c += assignMutualCost
	}
	return c
}

// connect makes the review graph connected, merging each other component
// into the first one by a swap of authors between a review inside it and a
// review inside the first: (r1→a1, r2→a2) becomes (r1→a2, r2→a1). Every
// person reviews and is reviewed k times, so every review lies on a cycle and
// removing one never splits a component: the swap joins the two. Among the
// candidate reviews tried it takes the swap that repeats the fewest pairs
// (it cannot create a mutual pair: the two components had no edge between
// them).
func (s *assignState) connect(rng *rand.Rand) {
	if s.k == 0 || len(s.tgt)/s.k < 2 {
		return
	}
	n := len(s.tgt) / s.k
	parent := s.components()
	find := func(x int32) int32 { return assignFind(parent, x) }
	union := func(a, b int32) { parent[find(a)] = find(b) }
	// One review in each component other than the first person's.
	var others []int
	seen := map[int32]bool{find(0): true}
	for r := range n {
		if root := find(int32(r)); !seen[root] { // #nosec G115 -- n <= AssignMaxSubmitters < 2^31
			seen[root] = true
			others = append(others, r*s.k)
		}
	}
	for _, first := range others {
		root := find(0)
		r2 := int32(first / s.k) // #nosec G115 -- n <= AssignMaxSubmitters < 2^31
		best, bestCost := -1, int32(math.MaxInt32)
		for range assignTries {
			e1 := rng.IntN(len(s.tgt))
			if find(int32(e1/s.k)) != root { // #nosec G115 -- n <= AssignMaxSubmitters < 2^31
				continue
			}
			r1 := int32(e1 / s.k) // #nosec G115 -- n <= AssignMaxSubmitters < 2^31
			for e2 := first; e2 < first+s.k; e2++ {
				if c := s.hist.count(r1, s.tgt[e2]) + s.hist.count(r2, s.tgt[e1]); c < bestCost {
					best, bestCost = e1*len(s.tgt)+e2, c
				}
			}
		}
		if best < 0 { // the first component is small: scan it
			for e1 := range s.tgt {
				if find(int32(e1/s.k)) == root { // #nosec G115 -- n <= AssignMaxSubmitters < 2^31
					best = e1*len(s.tgt) + first
					break
				}
			}
		}
		e1, e2 := best/len(s.tgt), best%len(s.tgt)
		r1 := int32(e1 / s.k) // #nosec G115 -- n <= AssignMaxSubmitters < 2^31
		s.tgt[e1], s.tgt[e2] = s.tgt[e2], s.tgt[e1]
		s.met[e1], s.met[e2] = s.hist.count(r1, s.tgt[e1]), s.hist.count(r2, s.tgt[e2])
		union(r2, r1)
	}
}

// repair swaps the authors of two reviews, (r1→a1, r2→a2) into (r1→a2, r2→a1),
// which keeps every load and every reviewer count. It works through the reviews
// of positive cost and takes the best swap that does not raise the objective;
// moves that keep it equal let the search leave plateaus.
func (s *assignState) repair(rng *rand.Rand) {
	m := len(s.tgt)
	queued := make([]bool, m)
	var bad, next []int
	for e := range m {
		if s.costOf(e) > 0 {
			bad = append(bad, e)
			queued[e] = true
		}
	}
	push := func(e int) {
		if !queued[e] && s.costOf(e) > 0 {
			queued[e] = true
			next = append(next, e)
		}
	}
	tries := min(m, assignTries)
	if m <= assignScanAll {
		tries = m
	}
	stallMax := min(assignStallPerReview*m, assignStallMax)
	budget := assignBudgetBase + assignBudgetPerReview*m
	for work, stall := 0, 0; len(bad) > 0; {
		for _, e1 := range bad {
			queued[e1] = false
		}
		for _, e1 := range bad {
			if work >= budget || stall >= stallMax {
				return
			}
			c1 := s.costOf(e1)
			if c1 == 0 {
				continue
			}
			e2, d := s.bestSwap(e1, c1, tries, rng)
			work += tries
			stall += tries
			if d < 0 {
				stall = 0
			}
			if e2 >= 0 {
				r1, r2 := int32(e1/s.k), int32(e2/s.k) // #nosec G115 -- reviewer and author indexes are below AssignMaxSubmitters < 2^31
				m1, m2 := s.met[e1], s.met[e2]
				s.tgt[e1], s.tgt[e2] = s.tgt[e2], s.tgt[e1]
				s.met[e1], s.met[e2] = s.hist.count(r1, s.tgt[e1]), s.hist.count(r2, s.tgt[e2])
				if s.keep && !s.connected() {
					s.tgt[e1], s.tgt[e2] = s.tgt[e2], s.tgt[e1]
					s.met[e1], s.met[e2] = m1, m2
					continue
				}
				push(e2)
			}
			push(e1)
		}
		bad, next = next, bad[:0]
	}
}

// bestSwap tries partners for review e1, every review when there are at most
// assignScanAll and tries random ones otherwise. It returns the partner whose
// swap changes the objective least, and that change, or -1 when no valid swap
// keeps the objective from rising.
func (s *assignState) bestSwap(e1 int, c1 int32, tries int, rng *rand.Rand) (int, int32) {
	m := len(s.tgt)
	r1, a1 := int32(e1/s.k), s.tgt[e1] // #nosec G115 -- reviewer and author indexes are below AssignMaxSubmitters < 2^31
	start := rng.IntN(m)
	best, bestD := -1, int32(1)
	for t := range tries {
		e2 := (start + t) % m
		if m > assignScanAll {
			e2 = rng.IntN(m)
		}
		r2, a2 := int32(e2/s.k), s.tgt[e2] // #nosec G115 -- reviewer and author indexes are below AssignMaxSubmitters < 2^31
		if r2 == r1 || a2 == r1 || a1 == r2 || s.reviews(r1, a2) || s.reviews(r2, a1) {
			continue
		}
		if d := s.cost(r1, a2) + s.cost(r2, a1) - c1 - s.costOf(e2); d < bestD {
			best, bestD = e2, d
		}
	}
	return best, bestD
}

// AssignCandidate is a participant who may take an extra review, with the number
// of reviews of the part they already hold.
type AssignCandidate struct {
	Reviewer string
	Load     int
}

// AssignExtraInput describes one submission that needs reviewers outside the main
// assignment: a late submission, or one whose review lease lapsed.
type AssignExtraInput struct {
	Author     string
	Submission string
	// Exclude lists who must not get it: its current reviewers and any reviewer
	// whose lease on it lapsed.
	Exclude []string
	// Candidates are the participants who finished their own reviews.
	Candidates []AssignCandidate
	History    PairHistory
}

// AssignLate chooses up to k reviewers for a submission that arrived after the
// part was assigned: never its author, never someone in Exclude, least loaded
// first, then fewest earlier pairings with the author, ties broken by the rng.
// It returns fewer than k when candidates run out; animators take the rest.
func AssignLate(in AssignExtraInput, k int, rng *rand.Rand) ([]Assignment, error) {
	if k < 1 {
		return nil, fmt.Errorf("%w: got %d", ErrAssignInvalidK, k)
	}
	return assignExtra(in, k, rng)
}

// PickReplacement chooses who takes over a review whose lease lapsed untouched,
// by the rules of AssignLate. It returns false when no candidate fits.
func PickReplacement(in AssignExtraInput, rng *rand.Rand) (Assignment, bool, error) {
	as, err := assignExtra(in, 1, rng)
	if err != nil || len(as) == 0 {
		return Assignment{}, false, err
	}
	return as[0], true, nil
}

func assignExtra(in AssignExtraInput, k int, rng *rand.Rand) ([]Assignment, error) {
	if in.Author == "" {
		return nil, fmt.Errorf("%w: author", ErrAssignEmptyID)
	}
	type ranked struct {
		id          string
		load, pairs int
		tie         uint64
	}
	seen := make(map[string]bool, len(in.Candidates))
	rs := make([]ranked, 0, len(in.Candidates))
	for _, c := range in.Candidates {
		if c.Reviewer == "" {
			return nil, fmt.Errorf("%w: candidate reviewer", ErrAssignEmptyID)
		}
		if seen[c.Reviewer] {
			return nil, fmt.Errorf("%w: candidate %q", ErrAssignDuplicateID, c.Reviewer)
		}
		seen[c.Reviewer] = true
		if c.Reviewer == in.Author || slices.Contains(in.Exclude, c.Reviewer) {
			continue
		}
		rs = append(rs, ranked{c.Reviewer, c.Load, in.History.Count(in.Author, c.Reviewer), rng.Uint64()})
	}
	slices.SortStableFunc(rs, func(a, b ranked) int {
		return cmp.Or(cmp.Compare(a.load, b.load), cmp.Compare(a.pairs, b.pairs), cmp.Compare(a.tie, b.tie))
	})
	as := make([]Assignment, 0, min(k, len(rs)))
	for _, r := range rs[:min(k, len(rs))] {
		as = append(as, Assignment{Reviewer: r.id, Author: in.Author, Submission: in.Submission})
	}
	return as, nil
}

// AssignTarget is a submission of a part that a latecomer could review, with
// how many reviews it has (assigned or done).
type AssignTarget struct {
	Author     string
	Submission string
	Reviews    int
}

// AssignOwedInput describes a participant who submitted after the part was
// assigned: they owe the part's reviews like everyone else.
type AssignOwedInput struct {
	Reviewer string
	// Targets are the part's submissions; the reviewer's own and those in
	// Exclude are skipped.
	Targets []AssignTarget
	// Exclude lists submissions the reviewer already holds or let lapse.
	Exclude []string
	History PairHistory
}

// AssignOwed chooses the k reviews a late submitter owes: the submissions
// with the fewest reviews first (those short of reviewers gain most), then
// the authors they were paired with least, ties broken by the rng. It
// returns fewer than k when the part has fewer other submissions.
func AssignOwed(in AssignOwedInput, k int, rng *rand.Rand) ([]Assignment, error) {
	if k < 1 {
		return nil, fmt.Errorf("%w: got %d", ErrAssignInvalidK, k)
	}
	if in.Reviewer == "" {
		return nil, fmt.Errorf("%w: reviewer", ErrAssignEmptyID)
	}
	type ranked struct {
		t     AssignTarget
		pairs int
		tie   uint64
	}
	rs := make([]ranked, 0, len(in.Targets))
	seen := make(map[string]bool, len(in.Targets))
	for _, t := range in.Targets {
		if t.Author == "" || t.Submission == "" {
			return nil, fmt.Errorf("%w: target", ErrAssignEmptyID)
		}
		if seen[t.Submission] {
			return nil, fmt.Errorf("%w: submission %q", ErrAssignDuplicateID, t.Submission)
		}
		seen[t.Submission] = true
		if t.Author == in.Reviewer || slices.Contains(in.Exclude, t.Submission) {
			continue
		}
		rs = append(rs, ranked{t, in.History.Count(in.Reviewer, t.Author), rng.Uint64()})
	}
	slices.SortStableFunc(rs, func(a, b ranked) int {
		return cmp.Or(cmp.Compare(a.t.Reviews, b.t.Reviews), cmp.Compare(a.pairs, b.pairs), cmp.Compare(a.tie, b.tie))
	})
	as := make([]Assignment, 0, min(k, len(rs)))
	for _, r := range rs[:min(k, len(rs))] {
		as = append(as, Assignment{Reviewer: in.Reviewer, Author: r.t.Author, Submission: r.t.Submission})
	}
	return as, nil
}
