package grading

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
)

// CalibrationOptions sizes the calibration sample of each part. The zero value
// gives the defaults in brackets.
type CalibrationOptions struct {
	// Share is the share of a part's submissions offered to the animators, in
	// (0, 1] [0.05], rounded up.
	Share float64
	// Min is the smallest sample of a part [2]; a part with fewer
	// submissions is offered whole.
	Min int
}

// CalibrationSample picks, before a part closes, the submissions offered to
// the animators for calibration (issue #12 item 4): of each part, a uniform
// random ⌈Share·n⌉ of its n distinct submission IDs, at least Min, all of
// them when there are no more. Their animator grades (or confirmations) go to
// Aggregate as AggregateInput.AnimatorGrades: ground truth for those
// submissions, and evidence of the bias and reliability of their reviewers,
// which corrects these reviewers' other reviews too.
//
// rng, which must not be nil, is the only source of randomness: the parts are
// visited in increasing order and each part's IDs sorted first, so the sample
// depends on the seed and the set of IDs, not on their order. Each part's
// sample is returned sorted.
func CalibrationSample(parts map[int][]string, o CalibrationOptions, rng *rand.Rand) (map[int][]string, error) {
	switch {
	case rng == nil:
		return nil, fmt.Errorf("%w: calibration sample needs a random source", ErrAggregateOptions)
	case math.IsNaN(o.Share) || o.Share < 0 || o.Share > 1:
		return nil, fmt.Errorf("%w: calibration share %v is not in 0..1", ErrAggregateOptions, o.Share)
	case o.Min < 0:
		return nil, fmt.Errorf("%w: calibration minimum %d is negative", ErrAggregateOptions, o.Min)
	}
	if o.Share == 0 {
		o.Share = 0.05
	}
	if o.Min == 0 {
		o.Min = 2
	}
	out := make(map[int][]string, len(parts))
	for _, part := range slices.Sorted(maps.Keys(parts)) {
		ids := slices.Compact(slices.Sorted(slices.Values(parts[part])))
		ids = slices.DeleteFunc(ids, func(id string) bool { return id == "" })
		want := min(max(int(math.Ceil(o.Share*float64(len(ids))-1e-9)), o.Min), len(ids))
		// A partial Fisher-Yates shuffle: the first want places are a uniform sample.
		for i := range want {
			j := i + rng.IntN(len(ids)-i)
			ids[i], ids[j] = ids[j], ids[i]
		}
		out[part] = slices.Sorted(slices.Values(ids[:want]))
	}
	return out, nil
}

// calibrationSample draws the calibration sample of a part being assigned,
// from a generator seeded by the session and part: a retried assignment
// draws the same sample, and the part's state keeps it (PartState.Calibration),
// so every request and instance offers the same submissions.
func (s *Service) calibrationSample(sessionID string, part int, subs []*Submission) ([]string, error) {
	ids := make([]string, len(subs))
	for i, sub := range subs {
		ids[i] = sub.ID
	}
	sample, err := CalibrationSample(map[int][]string{part: ids}, s.Calibration, seeded(sessionID, part, "calibration"))
	if err != nil {
		return nil, err
	}
	return sample[part], nil
}
