package grading

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"

	"librecours/course"
)

// QuestionPart returns the course part a question of the final evaluation
// belongs to, read from its ID: "p<N>-…" is part N (the default bank's
// "p2-licences-libres", or "p2-q7" for a question written under a "# 2"
// heading, see ParseQuestions). 0 means no part.
func QuestionPart(id string) int {
	rest, ok := strings.CutPrefix(id, "p")
	if !ok {
		return 0
	}
	num, _, ok := strings.Cut(rest, "-")
	if !ok || num == "" || len(num) > 3 {
		return 0
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 || strings.HasPrefix(num, "0") {
		return 0
	}
	return n
}

// Section is a run of questions of the same course part, as the evaluation
// shows them one section at a time.
type Section struct {
	Part      int // 0: questions of no part
	Questions []Question
	First     int // the number, from 1, of its first question in the evaluation
}

// Sections groups questions by course part, parts in increasing order and
// questions of no part last, keeping their order within a part. Questions
// are numbered through the sections in that order (Section.First).
func Sections(questions []Question) []Section {
	byPart := map[int][]Question{}
	for _, q := range questions {
		p := QuestionPart(q.ID)
		byPart[p] = append(byPart[p], q)
	}
	parts := slices.Sorted(maps.Keys(byPart))
	if len(parts) > 0 && parts[0] == 0 {
		parts = append(parts[1:], 0)
	}
	out := make([]Section, 0, len(parts))
	n := 1
	for _, p := range parts {
		out = append(out, Section{Part: p, Questions: byPart[p], First: n})
		n += len(byPart[p])
	}
	return out
}

// Answered reports whether a question has at least one choice in answers.
func Answered(answers map[string][]string, questionID string) bool {
	return len(answers[questionID]) > 0
}

// CountAnswered returns how many of questions have an answer.
func CountAnswered(questions []Question, answers map[string][]string) int {
	n := 0
	for _, q := range questions {
		if Answered(answers, q.ID) {
			n++
		}
	}
	return n
}

// MergeAnswers returns saved answers with those of the questions in section
// replaced by given: a form that shows one section sends only its
// questions, and an unticked question sends nothing. The inputs are not
// modified.
func MergeAnswers(saved map[string][]string, section []string, given map[string][]string) map[string][]string {
	out := make(map[string][]string, len(saved)+len(given))
	for q, cs := range saved {
		if !slices.Contains(section, q) {
			out[q] = cs
		}
	}
	for q, cs := range given {
		if len(cs) > 0 {
			out[q] = cs
		}
	}
	return out
}

// AnswerSection saves the answers of one section of the attempt in
// progress (the IDs of its questions in section), keeping those saved for
// the other sections, then goes on as Answer does; submit scores the whole
// attempt. A nil section with no answers submits or keeps what was saved.
func (q *Quiz) AnswerSection(ctx context.Context, actor *course.User, sessionID string, section []string, answers map[string][]string, submit bool) (*Attempt, error) {
	if actor == nil {
		return nil, course.ErrUnauthenticated
	}
	attempts, err := q.Store.Attempts(ctx, sessionID, actor.ID)
	if err != nil {
		return nil, err
	}
	var saved map[string][]string
	for _, a := range attempts {
		if a.SubmittedAt == nil {
			saved = a.Answers
		}
	}
	return q.Answer(ctx, actor, sessionID, MergeAnswers(saved, section, answers), submit)
}
