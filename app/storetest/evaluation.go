package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"librecours/grading"
)

// Evaluation is the conformance suite of grading.EvaluationStore (the
// final evaluation's questions and settings, and the attempts at it).
func Evaluation(t *testing.T, open Open) {
	for _, sc := range []struct {
		name string
		run  func(t *testing.T, open Open)
	}{
		{"RoundTrip", evaluationRoundTrip},
		{"TimeLimitSeconds", evaluationTimeLimitSeconds},
		{"AttemptsList", evaluationAttemptsList},
		{"SaveAttempt", evaluationSaveAttempt},
		{"SaveAttemptConcurrent", evaluationSaveAttemptConcurrent},
	} {
		t.Run(sc.name, func(t *testing.T) { sc.run(t, open) })
	}
}

var attemptOpts = cmpopts.EquateEmpty()

func evaluationRoundTrip(t *testing.T, open Open) {
	s := open(t).Stores().Evaluation
	ctx := context.Background()
	if got, err := s.Evaluation(ctx, "s1"); !errors.Is(err, grading.ErrNotFound) {
		t.Fatalf("Evaluation of a session without one = %v, %v; want ErrNotFound", got, err)
	}
	questions := []grading.Question{
		{ID: "q1", Text: "Qu'est-ce qu'une licence libre ?", Choices: []grading.Choice{
			{ID: "q1a", Text: "Une licence qui permet de réutiliser", Correct: true},
			{ID: "q1b", Text: "Une licence gratuite"},
			{ID: "q1c", Text: "Une licence qui permet de modifier", Correct: true},
		}},
		{ID: "q2", Text: "Wikipédia est-elle sous CC BY-SA ?", Choices: []grading.Choice{
			{ID: "q2a", Text: "Oui", Correct: true},
			{ID: "q2b", Text: "Non"},
		}},
	}
	for _, tc := range []struct {
		name string
		e    grading.Evaluation
	}{
		{"questions and settings", grading.Evaluation{Questions: questions, Settings: grading.EvaluationSettings{Attempts: 3, TimeLimit: 45 * time.Minute}}},
		{"replaced, defaults", grading.Evaluation{Questions: questions[1:], Settings: grading.DefaultEvaluationSettings()}},
		{"replaced, zero settings", grading.Evaluation{Questions: questions[:1]}},
		{"maximum time limit", grading.Evaluation{Questions: questions, Settings: grading.EvaluationSettings{Attempts: 10, TimeLimit: grading.EvaluationMaxTimeLimit}}},
		{"no questions", grading.Evaluation{Settings: grading.EvaluationSettings{Attempts: 2}}},
		{"question without choices", grading.Evaluation{Questions: []grading.Question{{ID: "q9", Text: "Vide"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.PutEvaluation(ctx, "s1", tc.e); err != nil {
				t.Fatal(err)
			}
			got, err := s.Evaluation(ctx, "s1")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&tc.e, got, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("Evaluation (-want +got):\n%s", diff)
			}
		})
	}
	if got, err := s.Evaluation(ctx, "s2"); !errors.Is(err, grading.ErrNotFound) {
		t.Fatalf("Evaluation of another session = %v, %v; want ErrNotFound", got, err)
	}
}

// evaluationTimeLimitSeconds: the time limit is kept in whole seconds.
func evaluationTimeLimitSeconds(t *testing.T, open Open) {
	s := open(t).Stores().Evaluation
	ctx := context.Background()
	e := grading.Evaluation{Settings: grading.EvaluationSettings{Attempts: 1, TimeLimit: 90*time.Second + 700*time.Millisecond}}
	if err := s.PutEvaluation(ctx, "s1", e); err != nil {
		t.Fatal(err)
	}
	got, err := s.Evaluation(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Settings.TimeLimit != 90*time.Second {
		t.Fatalf("TimeLimit = %v, want 1m30s", got.Settings.TimeLimit)
	}
}

func newAttempt(session, user string, n int, started time.Time) grading.Attempt {
	return grading.Attempt{ID: fmt.Sprintf("%s:%s:%d", session, user, n), SessionID: session, UserID: user, N: n, StartedAt: started}
}

func submittedAttempt(a grading.Attempt, at time.Time, score float64, answers map[string][]string) grading.Attempt {
	a.Answers, a.SubmittedAt, a.Score = answers, &at, &score
	return a
}

func evaluationAttemptsList(t *testing.T, open Open) {
	s := open(t).Stores().Evaluation
	ctx := context.Background()
	as := []grading.Attempt{
		newAttempt("s1", "bob", 2, T0.Add(time.Hour)),
		submittedAttempt(newAttempt("s1", "bob", 1, T0), T0.Add(10*time.Minute), 50, map[string][]string{"q1": {"q1a"}}),
		submittedAttempt(newAttempt("s1", "ada", 1, T0.Add(time.Minute)), T0.Add(5*time.Minute), 100, map[string][]string{"q1": {"q1a", "q1c"}, "q2": {"q2a"}}),
		newAttempt("s2", "ada", 1, T0),
		newAttempt("s1", "cyd", 1, T0.Add(2*time.Hour)),
	}
	for _, a := range as {
		if err := s.SaveAttempt(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	checkCalls(t, []listCall[grading.Attempt]{
		{"one person, by number", func() ([]grading.Attempt, error) { return s.Attempts(ctx, "s1", "bob") }, []grading.Attempt{as[1], as[0]}},
		{"one person", func() ([]grading.Attempt, error) { return s.Attempts(ctx, "s1", "ada") }, []grading.Attempt{as[2]}},
		{"same person, other session", func() ([]grading.Attempt, error) { return s.Attempts(ctx, "s2", "ada") }, []grading.Attempt{as[3]}},
		{"nobody", func() ([]grading.Attempt, error) { return s.Attempts(ctx, "s1", "zed") }, nil},
		{"session, by user then number", func() ([]grading.Attempt, error) { return s.AttemptsBySession(ctx, "s1") },
			[]grading.Attempt{as[2], as[1], as[0], as[4]}},
		{"unknown session", func() ([]grading.Attempt, error) { return s.AttemptsBySession(ctx, "none") }, nil},
	})
}

func evaluationSaveAttempt(t *testing.T, open Open) {
	s := open(t).Stores().Evaluation
	ctx := context.Background()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, want grading.Attempt) {
		t.Helper()
		got, err := s.Attempts(ctx, want.SessionID, want.UserID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]grading.Attempt{want}, got, attemptOpts); diff != "" {
			t.Fatalf("stored attempt (-want +got):\n%s", diff)
		}
		if got[0].StartedAt.Location() != time.UTC || got[0].SubmittedAt != nil && got[0].SubmittedAt.Location() != time.UTC {
			t.Fatalf("times not in UTC: %v, %v", got[0].StartedAt, got[0].SubmittedAt)
		}
	}

	// A new attempt without answers, then two drafts.
	a := newAttempt("s1", "ada", 1, T0.In(paris))
	if err := s.SaveAttempt(ctx, a); err != nil {
		t.Fatal(err)
	}
	a.StartedAt = a.StartedAt.UTC()
	check(t, a)
	for _, answers := range []map[string][]string{
		{"q1": {"q1a"}},
		{"q1": {"q1a", "q1c"}, "q2": {"q2b"}, "q3": {}},
	} {
		a.Answers = answers
		if err := s.SaveAttempt(ctx, a); err != nil {
			t.Fatal(err)
		}
		check(t, a)
	}

	// Submitted.
	final := submittedAttempt(a, T0.Add(20*time.Minute).In(paris), 66.7, map[string][]string{"q1": {"q1a", "q1c"}, "q2": {"q2a"}})
	if err := s.SaveAttempt(ctx, final); err != nil {
		t.Fatal(err)
	}
	final.SubmittedAt = gptr(final.SubmittedAt.UTC())
	check(t, final)

	// Nothing changes a submitted attempt.
	for _, tc := range []struct {
		name string
		a    grading.Attempt
	}{
		{"a later draft", func() grading.Attempt { d := a; d.Answers = map[string][]string{"q1": {"q1b"}}; return d }()},
		{"a draft without answers", newAttempt("s1", "ada", 1, T0)},
		{"a second submission", submittedAttempt(a, T0.Add(30*time.Minute), 100, map[string][]string{"q1": {"q1a"}})},
		{"the same submission again", final},
		{"another attempt with the same number", func() grading.Attempt { d := a; d.ID = "other-id"; return d }()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.SaveAttempt(ctx, tc.a); !errors.Is(err, grading.ErrConflict) {
				t.Fatalf("SaveAttempt: err = %v, want ErrConflict", err)
			}
			check(t, final)
		})
	}

	// The next attempt is a new record.
	second := newAttempt("s1", "ada", 2, T0.Add(time.Hour))
	if err := s.SaveAttempt(ctx, second); err != nil {
		t.Fatal(err)
	}
	got, err := s.Attempts(ctx, "s1", "ada")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]grading.Attempt{final, second}, got, attemptOpts); diff != "" {
		t.Fatalf("Attempts (-want +got):\n%s", diff)
	}
}

// evaluationSaveAttemptConcurrent: 8 racing saves of a submitted attempt
// all get ErrConflict and leave it as it was; 8 racing first saves of a new
// attempt all succeed and leave one attempt.
func evaluationSaveAttemptConcurrent(t *testing.T, open Open) {
	s := open(t).Stores().Evaluation
	ctx := context.Background()
	const workers = 8
	saveAll := func(save func(w int) error) []error {
		errs := make([]error, workers)
		together(workers, func(w int) { errs[w] = save(w) })
		return errs
	}

	final := submittedAttempt(newAttempt("s1", "ada", 1, T0), T0.Add(time.Minute), 75, map[string][]string{"q1": {"q1a"}})
	if err := s.SaveAttempt(ctx, final); err != nil {
		t.Fatal(err)
	}
	errs := saveAll(func(w int) error {
		a := submittedAttempt(newAttempt("s1", "ada", 1, T0), T0.Add(time.Duration(w+2)*time.Minute), float64(w), map[string][]string{"q2": {"q2b"}})
		if w%2 == 1 {
			a.SubmittedAt, a.Score = nil, nil // a late draft
		}
		return s.SaveAttempt(ctx, a)
	})
	for w, err := range errs {
		if !errors.Is(err, grading.ErrConflict) {
			t.Errorf("worker %d: err = %v, want ErrConflict", w, err)
		}
	}
	got, err := s.Attempts(ctx, "s1", "ada")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]grading.Attempt{final}, got, attemptOpts); diff != "" {
		t.Fatalf("submitted attempt after the race (-want +got):\n%s", diff)
	}

	errs = saveAll(func(w int) error {
		a := newAttempt("s1", "bob", 1, T0)
		a.Answers = map[string][]string{"q1": {fmt.Sprintf("q1%c", 'a'+w)}}
		return s.SaveAttempt(ctx, a)
	})
	for w, err := range errs {
		if err != nil {
			t.Errorf("draft worker %d: %v", w, err)
		}
	}
	got, err = s.Attempts(ctx, "s1", "bob")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || len(got[0].Answers["q1"]) != 1 {
		t.Fatalf("attempts after racing drafts = %+v, want one draft with one answer", got)
	}
}
