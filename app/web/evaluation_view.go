package web

import (
	"strconv"
	"time"

	"librecours/certificates"
	"librecours/course"
	"librecours/grading"
)

// evalQuestion is a question as the evaluation page shows it: its number
// through the evaluation and its section.
type evalQuestion struct {
	grading.Question
	N        int
	Section  int // 1-based index of its section
	Answered bool
}

// evalSection is one section of the evaluation: the questions of a course
// part.
type evalSection struct {
	Index     int // from 1
	Part      int
	Title     string
	Questions []evalQuestion
	Answered  int
}

// evalResult is a submitted attempt against the pass marks.
type evalResult struct {
	N      int
	Score  float64
	Level1 bool // at least the level I pass mark
	Level2 bool // at least the level II pass mark
}

// evalModel is what the evaluation pages show, computed once per request.
type evalModel struct {
	Sections     []evalSection
	Shown        *evalSection // the section on screen, while answering
	Prev, Next   int          // neighbour sections, 0 when none
	Answered     int
	Others       int // answered outside the section shown (for evaluation.js)
	Total        int
	Unanswered   []evalQuestion
	Rules        certificates.Rules
	TimeLimit    int // minutes, 0 without limit
	AttemptsUsed int
	Results      []evalResult
	State        string // "staff", "start", "answering", "closed", "done"
	// TimeUp: the attempt in progress is past its time limit or the
	// window's end; its saved answers can only be submitted.
	TimeUp bool
}

// sectionTitle names a section after its course part.
func sectionTitle(tr *translator, sess *course.Session, part int, alone bool) string {
	if part == 0 {
		if alone {
			return tr.T("evaluation.section.all")
		}
		return tr.T("evaluation.section.other")
	}
	for _, p := range sess.Parts {
		if p.Number == part && p.Title != "" {
			return tr.T("evaluation.section.part_title", "Part", part, "Title", p.Title)
		}
	}
	return tr.T("evaluation.section.part", "Part", part)
}

// buildEvalModel groups the view's questions by part and counts the
// answers (of the attempt in progress, or of a form sent back with an
// error); shown is the section asked for (from 1, clamped).
func buildEvalModel(tr *translator, sess *course.Session, v *grading.EvaluationView, staff bool, answers map[string][]string, rules certificates.Rules, shown int, now time.Time) *evalModel {
	m := &evalModel{Rules: rules, TimeLimit: int(v.Evaluation.Settings.TimeLimit.Minutes()), Total: len(v.Evaluation.Questions)}
	secs := grading.Sections(v.Evaluation.Questions)
	for i, sec := range secs {
		es := evalSection{Index: i + 1, Part: sec.Part, Title: sectionTitle(tr, sess, sec.Part, len(secs) == 1)}
		for j, q := range sec.Questions {
			eq := evalQuestion{Question: q, N: sec.First + j, Section: i + 1, Answered: grading.Answered(answers, q.ID)}
			if eq.Answered {
				es.Answered++
				m.Answered++
			} else {
				m.Unanswered = append(m.Unanswered, eq)
			}
			es.Questions = append(es.Questions, eq)
		}
		m.Sections = append(m.Sections, es)
	}
	for _, a := range v.Attempts {
		m.AttemptsUsed++
		if a.Score != nil {
			m.Results = append(m.Results, evalResult{N: a.N, Score: *a.Score,
				Level1: *a.Score >= rules.Level1Evaluation, Level2: *a.Score >= rules.Level2Evaluation})
		}
	}
	switch {
	case staff:
		m.State = "staff"
	case v.Current != nil:
		m.State = "answering"
		m.TimeUp = !now.Before(v.Deadline)
	case v.Open && v.Left > 0:
		m.State = "start"
	case !v.Open && v.Left > 0:
		m.State = "closed"
	default:
		m.State = "done"
	}
	if len(m.Sections) > 0 {
		shown = min(max(shown, 1), len(m.Sections))
		m.Shown = &m.Sections[shown-1]
		m.Others = m.Answered - m.Shown.Answered
		if shown > 1 {
			m.Prev = shown - 1
		}
		if shown < len(m.Sections) {
			m.Next = shown + 1
		}
	}
	return m
}

// sectionParam reads ?section=N (1 when absent or not a number).
func sectionParam(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 1
	}
	return n
}
