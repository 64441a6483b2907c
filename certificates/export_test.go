package certificates

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"librecours/course"
)

// exportTexts echoes message IDs, with the language, so tests see which
// title went where.
type exportTexts struct{}

func (exportTexts) T(lang, id string, _ map[string]any) string { return lang + ":" + id }

func (exportTexts) Languages() []string { return []string{"fr", "en"} }

// readBack checks the file's framing (BOM, CRLF) and reads it with
// encoding/csv as a spreadsheet would.
func readBack(t *testing.T, b []byte, comma rune) [][]string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
		t.Fatal("no UTF-8 byte order mark")
	}
	if !bytes.HasSuffix(b, []byte("\r\n")) || bytes.Count(b, []byte("\n")) != bytes.Count(b, []byte("\r\n")) {
		t.Fatalf("line ends are not all CRLF: %q", b)
	}
	r := csv.NewReader(bytes.NewReader(b[3:]))
	r.Comma = comma
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestWriteResultsCSV(t *testing.T) {
	names := []string{
		"Zoé Dupont-Gaillard", `Jean "JJ" Martin`, "Anne; Marie", "Deux\nlignes", "Virgule, point",
		"=HYPERLINK(\"http://evil.example\";\"clic\")", "+33 6 12", "-2+3", "@SUM(A1:A9)", "\tTab", "Ça va ?",
	}
	var rs []Result
	for i, n := range names {
		r := Result{User: &course.User{ID: "u", Name: n, Email: "p@example.org"}, ReviewsDone: i, ReviewsAssigned: 3}
		r.Outcome.ExercisesPassed = i % 7
		r.Outcome.Level = Level(i % 3)
		if i%2 == 0 {
			r.Input.EvaluationScore = score(200.0 / 3)
		}
		rs = append(rs, r)
	}
	rs[0].User.Email = "=cmd|'/c calc'!A1@example.org"
	for _, lang := range []string{"fr", "en"} {
		var buf bytes.Buffer
		if err := WriteResultsCSV(&buf, exportTexts{}, lang, rs); err != nil {
			t.Fatal(err)
		}
		comma := map[string]rune{"fr": ';', "en": ','}[lang]
		if first, _, _ := strings.Cut(buf.String(), "\r\n"); strings.Count(first, string(comma)) != 6 {
			t.Errorf("%s header %q: want 7 fields separated by %q", lang, first, comma)
		}
		recs := readBack(t, buf.Bytes(), comma)
		if len(recs) != len(rs)+1 {
			t.Fatalf("%d records", len(recs))
		}
		if want := lang + ":export.results.name"; recs[0][0] != want || len(recs[0]) != 7 {
			t.Fatalf("header %v", recs[0])
		}
		for i, rec := range recs[1:] {
			want := names[i]
			if strings.ContainsAny(want[:1], "=+-@\t") {
				want = "'" + want
			}
			if rec[0] != want {
				t.Errorf("name %d: %q, want %q", i, rec[0], want)
			}
			wantScore := ""
			if i%2 == 0 {
				wantScore = map[string]string{"fr": "66,7", "en": "66.7"}[lang]
			}
			if diff := cmp.Diff([]string{strconv.Itoa(i % 7), strconv.Itoa(i), "3", wantScore, strconv.Itoa(i % 3)}, rec[2:]); diff != "" {
				t.Errorf("record %d (-want +got):\n%s", i, diff)
			}
		}
		if recs[1][1] != "'=cmd|'/c calc'!A1@example.org" {
			t.Errorf("e-mail not neutralised: %q", recs[1][1])
		}
	}
}

func TestWriteCertificatesCSV(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	revoked := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	list := []Certificate{
		{Code: "LC-ABCD-EFGH", HolderName: "Zoé « Ada » L'Hôte; fils", Level: 2, IssuedAt: time.Date(2026, 4, 12, 22, 30, 0, 0, time.UTC)},
		{Code: "LC-JKLM-NPQR", HolderName: "-1+1", Level: 1, IssuedAt: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC), RevokedAt: &revoked},
	}
	var buf bytes.Buffer
	if err := WriteCertificatesCSV(&buf, exportTexts{}, "fr", list, "https://lc.example/", paris); err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"fr:export.certificates.code", "fr:export.certificates.holder", "fr:export.certificates.level",
			"fr:export.certificates.issued_at", "fr:export.certificates.status", "fr:export.certificates.verify_url"},
		{"LC-ABCD-EFGH", "Zoé « Ada » L'Hôte; fils", "2", "2026-04-13 00:30", "fr:export.certificates.valid", "https://lc.example/certificates/LC-ABCD-EFGH"},
		{"LC-JKLM-NPQR", "'-1+1", "1", "2026-01-05 10:00", "fr:export.certificates.revoked", "https://lc.example/certificates/LC-JKLM-NPQR"},
	}
	if diff := cmp.Diff(want, readBack(t, buf.Bytes(), ';')); diff != "" {
		t.Fatalf("certificates CSV (-want +got):\n%s", diff)
	}
	// In English: commas between fields, the same cells.
	buf.Reset()
	if err := WriteCertificatesCSV(&buf, exportTexts{}, "en", list, "https://lc.example/", paris); err != nil {
		t.Fatal(err)
	}
	for i := range want[0] {
		want[0][i] = strings.Replace(want[0][i], "fr:", "en:", 1)
	}
	for _, rec := range want[1:] {
		rec[4] = strings.Replace(rec[4], "fr:", "en:", 1)
	}
	if diff := cmp.Diff(want, readBack(t, buf.Bytes(), ',')); diff != "" {
		t.Fatalf("English certificates CSV (-want +got):\n%s", diff)
	}
}

func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "Ada": "Ada", "=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@A1": "'@A1", "\tx": "'\tx", "\rx": "'\rx",
		" =1": " =1", "a=b": "a=b", "'=x": "'=x",
	} {
		if got := SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}
