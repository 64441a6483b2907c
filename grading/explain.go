package grading

import "math"

// Explanation says in one sentence why a grade is what it is, and where it
// stands against the pass mark. Key is the message ID of the sentence;
// Count, Center and Outliers are its values (every sentence takes the
// ones it needs).
type Explanation struct {
	Key      string
	Count    int     // reviews that agree (or counted)
	Center   float64 // where they agree, 0..100, whole points
	Outliers int     // reviews far from the others, which count little
	PassMark float64
	Passed   bool
}

// explainOutlier: a review whose weight is below this share of the
// heaviest review's counts little (an outlier or a reviewer set aside).
const explainOutlier = 0.5

// Explain builds the explanation of g, from what the aggregation kept of
// each review (Grade.Reviews).
func Explain(g *Grade) Explanation {
	e := Explanation{PassMark: PassMark, Passed: g.Score >= PassMark, Count: g.ReviewCount}
	switch {
	case g.Source == SourceAnimator:
		e.Key = "grading.explain.animator"
		return e
	case g.Method == GradeMethodPeersMedian:
		e.Key = "grading.explain.median"
		return e
	case len(g.Reviews) == 0:
		e.Key = "grading.explain.model"
		return e
	case len(g.Reviews) == 1:
		e.Key, e.Center = "grading.explain.single", math.Round(g.Reviews[0].Corrected)
		return e
	}
	heaviest := 0.0
	for _, r := range g.Reviews {
		heaviest = max(heaviest, r.Weight)
	}
	var sum, w float64
	e.Count = 0
	for _, r := range g.Reviews {
		if r.Weight < explainOutlier*heaviest {
			e.Outliers++
			continue
		}
		e.Count++
		sum += r.Weight * r.Corrected
		w += r.Weight
	}
	if w > 0 {
		e.Center = math.Round(sum / w)
	}
	switch {
	case e.Outliers == 0:
		e.Key = "grading.explain.agree"
	case e.Count == 1:
		e.Key = "grading.explain.trusted"
	case e.Outliers == 1:
		e.Key = "grading.explain.outlier"
	default:
		e.Key = "grading.explain.outliers"
	}
	return e
}

// Args are the values of the sentence, for the localizer.
func (e Explanation) Args() map[string]any {
	return map[string]any{"Count": e.Count, "Center": int(e.Center), "Outliers": e.Outliers, "PassMark": int(e.PassMark)}
}

// WeightPercent is the review's share of the grade in whole percent.
func (r ReceivedReview) WeightPercent() float64 { return math.Round(r.Weight * 100) }
