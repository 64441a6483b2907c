package grading_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"librecours/grading"
)

func TestQuestionPart(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]int{
		"p1-protection": 1, "p12-q3": 12, "p2-q5": 2, "q1": 0, "p-x": 0, "p0-x": 0, "p01-x": 0,
		"pa-x": 0, "p3": 0, "p1000-x": 0, "": 0, "p7-": 7,
	} {
		if got := grading.QuestionPart(id); got != want {
			t.Errorf("QuestionPart(%q) = %d, want %d", id, got, want)
		}
	}
}

// TestSectionsByPart: parts in order, questions of no part last, numbered
// through the sections; the default bank has six parts and 40 questions.
func TestSectionsByPart(t *testing.T) {
	t.Parallel()
	q := func(id string) grading.Question { return grading.Question{ID: id} }
	got := grading.Sections([]grading.Question{q("p2-a"), q("x"), q("p1-a"), q("p2-b"), q("p1-b"), q("y")})
	type sec struct {
		Part, First int
		IDs         []string
	}
	var short []sec
	for _, s := range got {
		var ids []string
		for _, q := range s.Questions {
			ids = append(ids, q.ID)
		}
		short = append(short, sec{s.Part, s.First, ids})
	}
	want := []sec{{1, 1, []string{"p1-a", "p1-b"}}, {2, 3, []string{"p2-a", "p2-b"}}, {0, 5, []string{"x", "y"}}}
	if diff := cmp.Diff(want, short); diff != "" {
		t.Errorf("Sections (-want +got):\n%s", diff)
	}

	def := grading.Sections(grading.DefaultEvaluation())
	sizes := []int{}
	for _, s := range def {
		sizes = append(sizes, len(s.Questions))
	}
	if diff := cmp.Diff([]int{6, 7, 7, 8, 5, 7}, sizes); diff != "" || def[5].Part != 6 || def[5].First != 34 {
		t.Errorf("default bank sections %v (last part %d from %d)", sizes, def[5].Part, def[5].First)
	}
}

// TestParseQuestionsParts: "# N" headings put questions in part N, their IDs
// say so, and FormatQuestions writes the headings back.
func TestParseQuestionsParts(t *testing.T) {
	t.Parallel()
	src := "? Sans partie\n* a\n- b\n\n# 2 Les licences libres\n? Q2\n* a\n- b\n\n? Q3\n- a\n* b\n\n#\n? Q4\n* a\n- b\n"
	qs, err := grading.ParseQuestions(src)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, q := range qs {
		ids = append(ids, q.ID, q.Choices[0].ID)
	}
	if diff := cmp.Diff([]string{"q1", "q1a", "p2-q2", "p2-q2a", "p2-q3", "p2-q3a", "q4", "q4a"}, ids); diff != "" {
		t.Errorf("IDs (-want +got):\n%s", diff)
	}
	again, err := grading.ParseQuestions(grading.FormatQuestions(qs))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(qs, again); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"# deux\n? Q\n* a\n- b\n", "# 0\n? Q\n* a\n- b\n"} {
		if _, err := grading.ParseQuestions(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestMergeAnswers(t *testing.T) {
	t.Parallel()
	saved := map[string][]string{"q1": {"q1a"}, "q2": {"q2b"}, "q3": {"q3a"}}
	// Section q2, q3 posted: q2 changed, q3 unticked; q1 kept.
	got := grading.MergeAnswers(saved, []string{"q2", "q3"}, map[string][]string{"q2": {"q2a", "q2c"}})
	want := map[string][]string{"q1": {"q1a"}, "q2": {"q2a", "q2c"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("MergeAnswers (-want +got):\n%s", diff)
	}
	if len(saved) != 3 || saved["q3"][0] != "q3a" {
		t.Errorf("saved answers modified: %v", saved)
	}
	if n := grading.CountAnswered([]grading.Question{{ID: "q1"}, {ID: "q2"}, {ID: "q3"}}, got); n != 2 {
		t.Errorf("CountAnswered = %d, want 2", n)
	}
}
