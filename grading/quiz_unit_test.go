package grading_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"librecours/course"
	"librecours/grading"
	"librecours/grading/gradingtest"
)

// bank is a three-question evaluation: q1 and q2 have one right choice, q3
// two.
const bank = `? Une œuvre du domaine public peut-elle être réutilisée ?
* Oui, librement
- Non, jamais

? Que signifie BY ?
- Pas d’usage commercial
* Attribution
- Partage à l’identique

? Quelles licences sont libres ?
* CC BY
* CC BY-SA
- CC BY-NC
`

func questions(t testing.TB) []grading.Question {
	t.Helper()
	qs, err := grading.ParseQuestions(bank)
	noErr(t, err)
	return qs
}

// allRight answers every question of the bank right.
var allRight = map[string][]string{"q1": {"q1a"}, "q2": {"q2b"}, "q3": {"q3b", "q3a"}}

func TestParseQuestions(t *testing.T) {
	t.Parallel()
	qs := questions(t)
	want := []grading.Question{
		{ID: "q1", Text: "Une œuvre du domaine public peut-elle être réutilisée ?", Choices: []grading.Choice{
			{ID: "q1a", Text: "Oui, librement", Correct: true}, {ID: "q1b", Text: "Non, jamais"}}},
		{ID: "q2", Text: "Que signifie BY ?", Choices: []grading.Choice{
			{ID: "q2a", Text: "Pas d’usage commercial"}, {ID: "q2b", Text: "Attribution", Correct: true}, {ID: "q2c", Text: "Partage à l’identique"}}},
		{ID: "q3", Text: "Quelles licences sont libres ?", Choices: []grading.Choice{
			{ID: "q3a", Text: "CC BY", Correct: true}, {ID: "q3b", Text: "CC BY-SA", Correct: true}, {ID: "q3c", Text: "CC BY-NC"}}},
	}
	if diff := cmp.Diff(want, qs); diff != "" {
		t.Fatalf("ParseQuestions (-want +got):\n%s", diff)
	}
	// FormatQuestions writes what ParseQuestions reads back the same.
	again, err := grading.ParseQuestions(grading.FormatQuestions(qs))
	noErr(t, err)
	if diff := cmp.Diff(qs, again); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	// Windows line ends are read alike.
	crlf, err := grading.ParseQuestions(strings.ReplaceAll(bank, "\n", "\r\n"))
	noErr(t, err)
	if diff := cmp.Diff(qs, crlf); diff != "" {
		t.Errorf("CRLF (-want +got):\n%s", diff)
	}

	for _, tt := range []struct {
		name, src, key string
		line           int
	}{
		{name: "choice first", src: "* Oui\n? Question\n", key: "grading.evaluation.choice_before_question", line: 1},
		{name: "stray line", src: "? Q\n* a\n- b\nune ligne\n", key: "grading.evaluation.line_invalid", line: 4},
		{name: "empty", src: "\n\n", key: "grading.evaluation.questions_empty"},
		{name: "no right choice", src: "? Q\n- a\n- b\n", key: "grading.evaluation.no_correct_choice"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := grading.ParseQuestions(tt.src)
			wantKey(t, err, tt.key)
			var ve *grading.ValidationError
			if tt.line > 0 && errors.As(err, &ve) && ve.Args["Line"] != tt.line {
				t.Errorf("line %v, want %d", ve.Args["Line"], tt.line)
			}
		})
	}
}

type quizEnv struct {
	quiz  *grading.Quiz
	store *gradingtest.Evaluations
	clock *clock
}

// newQuiz is the test session with the bank as its evaluation, the clock
// a day into the evaluation window.
func newQuiz(t testing.TB, settings grading.EvaluationSettings) *quizEnv {
	t.Helper()
	c := &gradingtest.Course{}
	c.AddSession(newSession(), people...)
	q := &quizEnv{store: &gradingtest.Evaluations{}, clock: &clock{now: newSession().Evaluation.OpensAt.Add(day)}}
	q.quiz = &grading.Quiz{Store: q.store, Course: c, Now: q.clock.Now}
	noErr(t, q.store.PutEvaluation(ctx, sid, grading.Evaluation{Questions: questions(t), Settings: settings}))
	return q
}

func TestQuizPutEvaluation(t *testing.T) {
	t.Parallel()
	qs := questions(t)
	tests := []struct {
		name    string
		actor   *course.User
		session string
		ev      grading.Evaluation
		wantErr error
		wantKey string
	}{
		{name: "animator", actor: anim, session: sid, ev: grading.Evaluation{Questions: qs}, wantErr: course.ErrForbidden},
		{name: "anonymous", session: sid, ev: grading.Evaluation{Questions: qs}, wantErr: course.ErrForbidden},
		{name: "unknown session", actor: coord, session: "nope", ev: grading.Evaluation{Questions: qs}, wantErr: course.ErrNotFound},
		{name: "no questions", actor: coord, session: sid, wantKey: "grading.evaluation.questions_empty"},
		{name: "too many attempts", actor: coord, session: sid, ev: grading.Evaluation{Questions: qs, Settings: grading.EvaluationSettings{Attempts: 11}}, wantKey: "grading.evaluation.attempts_out_of_range"},
		{name: "saved", actor: coord, session: sid, ev: grading.Evaluation{Questions: qs[:1], Settings: grading.EvaluationSettings{Attempts: 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q := newQuiz(t, grading.EvaluationSettings{})
			err := q.quiz.PutEvaluation(ctx, tt.actor, tt.session, tt.ev)
			switch {
			case tt.wantErr != nil:
				wantErr(t, err, tt.wantErr)
				return
			case tt.wantKey != "":
				wantKey(t, err, tt.wantKey)
				return
			}
			noErr(t, err)
			got, err := q.store.Evaluation(ctx, sid)
			noErr(t, err)
			if len(got.Questions) != 1 || got.Settings.Attempts != 2 {
				t.Errorf("stored %+v", got)
			}
		})
	}
}

func TestQuizView(t *testing.T) {
	t.Parallel()
	q := newQuiz(t, grading.EvaluationSettings{Attempts: 2, TimeLimit: time.Hour})
	_, err := q.quiz.View(ctx, nil, sid)
	wantErr(t, err, course.ErrUnauthenticated)
	_, err = q.quiz.View(ctx, outsider, sid)
	wantErr(t, err, course.ErrForbidden)
	_, err = q.quiz.View(ctx, user("p1"), "nope")
	wantErr(t, err, course.ErrNotFound)

	staff, err := q.quiz.View(ctx, anim, sid)
	noErr(t, err)
	if !staff.Open || !staff.Evaluation.Questions[0].Choices[0].Correct || staff.Attempts != nil {
		t.Errorf("staff view %+v", staff)
	}

	v, err := q.quiz.View(ctx, user("p1"), sid)
	noErr(t, err)
	for _, qu := range v.Evaluation.Questions {
		for _, c := range qu.Choices {
			if c.Correct {
				t.Fatal("answer key shown to a participant")
			}
		}
	}
	if v.Left != 2 || v.Current != nil || !v.Open {
		t.Errorf("fresh view %+v", v)
	}
	start := q.clock.Now()
	_, err = q.quiz.Answer(ctx, user("p1"), sid, map[string][]string{"q1": {"q1a"}}, false)
	noErr(t, err)
	v, err = q.quiz.View(ctx, user("p1"), sid)
	noErr(t, err)
	if v.Left != 1 || v.Current == nil || !v.Deadline.Equal(start.Add(time.Hour)) {
		t.Errorf("view during an attempt: left %d, current %v, deadline %v", v.Left, v.Current, v.Deadline)
	}

	// The default bank serves a session without its own.
	c := &gradingtest.Course{}
	c.AddSession(newSession(), people...)
	def := &grading.Quiz{Store: &gradingtest.Evaluations{}, Course: c, Now: q.clock.Now}
	dv, err := def.View(ctx, coord, sid)
	noErr(t, err)
	if len(dv.Evaluation.Questions) != len(grading.DefaultEvaluation()) || dv.Evaluation.Settings != grading.DefaultEvaluationSettings() {
		t.Errorf("default view has %d questions", len(dv.Evaluation.Questions))
	}
}

func TestQuizAnswer(t *testing.T) {
	t.Parallel()
	opens := newSession().Evaluation.OpensAt
	due := newSession().Evaluation.Due
	tests := []struct {
		name     string
		settings grading.EvaluationSettings
		run      func(t *testing.T, q *quizEnv) (*grading.Attempt, error)
		wantErr  error
		wantKey  string
		score    float64 // of the attempt returned, when submitted
	}{
		{name: "anonymous", wantErr: course.ErrUnauthenticated, run: func(t *testing.T, q *quizEnv) (*grading.Attempt, error) {
			return q.quiz.Answer(ctx, nil, sid, allRight, true)
		}},
		{name: "not enrolled", wantErr: course.ErrForbidden, run: func(t *testing.T, q *quizEnv) (*grading.Attempt, error) {
			return q.quiz.Answer(ctx, anim, sid, allRight, true)
		}},
		{name: "unknown question", wantKey: "grading.evaluation.unknown_question", run: func(t *testing.T, q *quizEnv) (*grading.Attempt, error) {
			return q.quiz.Answer(ctx, user("p1"), sid, map[string][]string{"q9": {"q9a"}}, false)
		}},
		{name: "unknown choice", wantKey: "grading.evaluation.unknown_choice", run: func(t *testing.T, q *quizEnv) (*grading.Attempt, error) {
			return q.quiz.Answer(ctx, user("p1"), sid, map[string][]string{"q1": {"q2a"}}, false)
		}},
		{name: "before the window", wantErr: grading.ErrEvaluationClosed, run: func(t *testing.T, q *quizEnv) (*grading.Attempt, error) {
			q.clock.Set(opens.Add(-time.Second))
			return q.quiz.Answer(ctx, user("p1"), sid, allRight, false)
		}},
		{name: "after the window", wantErr: grading.ErrEvaluationClosed, run: func(t *testing.T, q *quizEnv) (*grading.Attempt, error) {
			q.clock.Set(due)
			return q.quiz.Answer(ctx, user("p1"), sid, allRight, true)
		}},
		{name: "all right", score: 100, run: func(t *testing.T, q *quizEnv) (*grading.Attempt, error) {
			return q.quiz.Answer(ctx, user("p1"), sid, allRight, true)
		}},
		{name: "one of three right", score: 33.3, run: func(t *testing.T, q *quizEnv) (*grading.Attempt, error) {
			return q.quiz.Answer(ctx, user("p1"), sid, map[string][]string{"q1": {"q1a"}, "q3": {"q3a"}}, true)
		}},
		{name: "saved then submitted", score: 66.7, run: func(t *testing.T, q *quizEnv) (*grading.Attempt, error) {
			a, err := q.quiz.Answer(ctx, user("p1"), sid, map[string][]string{"q1": {"q1a"}}, false)
			noErr(t, err)
			if a.SubmittedAt != nil || a.Score != nil || a.N != 1 {
				t.Errorf("saved attempt %+v", a)
			}
			return q.quiz.Answer(ctx, user("p1"), sid, map[string][]string{"q1": {"q1a"}, "q2": {"q2b"}}, true)
		}},
		{name: "no attempt left", wantErr: grading.ErrNoAttemptLeft, run: func(t *testing.T, q *quizEnv) (*grading.Attempt, error) {
			_, err := q.quiz.Answer(ctx, user("p1"), sid, allRight, true)
			noErr(t, err)
			return q.quiz.Answer(ctx, user("p1"), sid, allRight, true)
		}},
		{name: "a second attempt", settings: grading.EvaluationSettings{Attempts: 2}, score: 100, run: func(t *testing.T, q *quizEnv) (*grading.Attempt, error) {
			_, err := q.quiz.Answer(ctx, user("p1"), sid, nil, true)
			noErr(t, err)
			a, err := q.quiz.Answer(ctx, user("p1"), sid, allRight, true)
			if err == nil && a.N != 2 {
				t.Errorf("attempt number %d, want 2", a.N)
			}
			return a, err
		}},
		{name: "time limit: later answers are not taken", settings: grading.EvaluationSettings{TimeLimit: time.Hour}, wantErr: grading.ErrEvaluationClosed, run: func(t *testing.T, q *quizEnv) (*grading.Attempt, error) {
			_, err := q.quiz.Answer(ctx, user("p1"), sid, nil, false)
			noErr(t, err)
			q.clock.Set(q.clock.Now().Add(time.Hour))
			return q.quiz.Answer(ctx, user("p1"), sid, allRight, false)
		}},
		{name: "time limit: submitting scores what was saved in time", settings: grading.EvaluationSettings{TimeLimit: time.Hour}, score: 33.3, run: func(t *testing.T, q *quizEnv) (*grading.Attempt, error) {
			_, err := q.quiz.Answer(ctx, user("p1"), sid, map[string][]string{"q2": {"q2b"}}, false)
			noErr(t, err)
			q.clock.Set(q.clock.Now().Add(2 * time.Hour))
			return q.quiz.Answer(ctx, user("p1"), sid, allRight, true)
		}},
		{name: "a store conflict is no attempt left", wantErr: grading.ErrNoAttemptLeft, run: func(t *testing.T, q *quizEnv) (*grading.Attempt, error) {
			q.store.Fail = func(op string) error {
				if op == "SaveAttempt" {
					return grading.ErrConflict
				}
				return nil
			}
			return q.quiz.Answer(ctx, user("p1"), sid, allRight, true)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q := newQuiz(t, tt.settings)
			a, err := tt.run(t, q)
			switch {
			case tt.wantErr != nil:
				wantErr(t, err, tt.wantErr)
				return
			case tt.wantKey != "":
				wantKey(t, err, tt.wantKey)
				return
			}
			noErr(t, err)
			if a.Score == nil || *a.Score != tt.score || a.SubmittedAt == nil || a.UserID != "p1" {
				t.Fatalf("attempt %+v, want score %v", a, tt.score)
			}
			best, err := q.quiz.BestScoreOf(ctx, sid, "p1")
			noErr(t, err)
			if best["p1"] != tt.score {
				t.Errorf("best of p1 = %v, want %v", best["p1"], tt.score)
			}
		})
	}
}

func TestQuizBestScores(t *testing.T) {
	t.Parallel()
	q := newQuiz(t, grading.EvaluationSettings{Attempts: 3})
	answer := func(id string, answers map[string][]string, submit bool) {
		t.Helper()
		_, err := q.quiz.Answer(ctx, user(id), sid, answers, submit)
		noErr(t, err)
	}
	answer("p1", allRight, true)                                   // 100
	answer("p1", map[string][]string{"q1": {"q1a"}}, true)         // 33.3, not the best
	answer("p2", map[string][]string{"q2": {"q2b"}}, true)         // 33.3
	answer("p2", map[string][]string{"q1": {"q1a"}}, false)        // in progress: no score
	answer("p3", map[string][]string{"q1": {"q1a", "q1b"}}, false) // never submitted
	best, err := q.quiz.BestScores(ctx, sid)
	noErr(t, err)
	if diff := cmp.Diff(map[string]float64{"p1": 100, "p2": 33.3}, best); diff != "" {
		t.Errorf("BestScores (-want +got):\n%s", diff)
	}
	mine, err := q.quiz.BestScoreOf(ctx, sid, "p3")
	noErr(t, err)
	if len(mine) != 0 {
		t.Errorf("p3 has no submitted attempt, got %v", mine)
	}
	boom := errors.New("boom")
	q.store.Fail = func(string) error { return boom }
	_, err = q.quiz.BestScores(ctx, sid)
	wantErr(t, err, boom)
	_, err = q.quiz.BestScoreOf(ctx, sid, "p1")
	wantErr(t, err, boom)
	_, err = q.quiz.View(ctx, user("p1"), sid)
	wantErr(t, err, boom)
}
