package certificates

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// The exports are CSV files that LibreOffice and Excel open as they are:
// UTF-8 with a byte order mark, CRLF line ends, and the separators of the
// language's spreadsheets: ";" between fields and a decimal comma in
// French, "," and a decimal point in English. A cell that a spreadsheet
// would take for a formula is neutralised.

// Message IDs of the export column titles and words, localized through
// Texts.
var (
	resultsColumns = []string{"export.results.name", "export.results.email", "export.results.exercises_passed",
		"export.results.reviews_done", "export.results.reviews_assigned", "export.results.evaluation_score", "export.results.level"}
	certificatesColumns = []string{"export.certificates.code", "export.certificates.holder", "export.certificates.level",
		"export.certificates.issued_at", "export.certificates.status", "export.certificates.verify_url"}
)

// Statuses of a certificate in the export.
const (
	exportValid   = "export.certificates.valid"
	exportRevoked = "export.certificates.revoked"
)

var utf8BOM = "\uFEFF"

// SafeCell neutralises a cell that a spreadsheet would run as a formula or
// command: one starting with =, +, -, @, a tab or a carriage return gets a
// leading apostrophe.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// csvWriter writes the BOM, then neutralised records.
type csvWriter struct {
	buf *bufio.Writer
	csv *csv.Writer
}

// Separator returns the field separator of lang's spreadsheets: ";" in
// French (where "," is the decimal separator), "," otherwise.
func Separator(lang string) rune {
	if lang == "fr" {
		return ';'
	}
	return ','
}

func newCSV(w io.Writer, lang string) (*csvWriter, error) {
	buf := bufio.NewWriter(w)
	if _, err := buf.WriteString(utf8BOM); err != nil {
		return nil, fmt.Errorf("certificates: write csv: %w", err)
	}
	c := csv.NewWriter(buf)
	c.Comma, c.UseCRLF = Separator(lang), true
	return &csvWriter{buf: buf, csv: c}, nil
}

func (w *csvWriter) write(rec []string) error {
	for i := range rec {
		rec[i] = SafeCell(rec[i])
	}
	if err := w.csv.Write(rec); err != nil {
		return fmt.Errorf("certificates: write csv: %w", err)
	}
	return nil
}

func (w *csvWriter) close() error {
	w.csv.Flush()
	if err := w.csv.Error(); err != nil {
		return fmt.Errorf("certificates: write csv: %w", err)
	}
	if err := w.buf.Flush(); err != nil {
		return fmt.Errorf("certificates: write csv: %w", err)
	}
	return nil
}

// writeTable writes a CSV file in lang: the BOM, the column titles of
// columns, then the record row makes of each item.
func writeTable[T any](w io.Writer, t Texts, lang string, columns []string, items []T, row func(T) []string) error {
	cw, err := newCSV(w, lang)
	if err != nil {
		return err
	}
	if err := cw.write(header(t, lang, columns)); err != nil {
		return err
	}
	for _, it := range items {
		if err := cw.write(row(it)); err != nil {
			return err
		}
	}
	return cw.close()
}

func header(t Texts, lang string, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = t.T(lang, id, nil)
	}
	return out
}

// number formats a score with at most one decimal, with the language's
// decimal separator (a comma in French, as spreadsheets there expect).
func number(x float64, lang string) string {
	s := strconv.FormatFloat(math.Round(x*10)/10, 'f', -1, 64)
	if lang == "fr" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// WriteResultsCSV writes a session's results: name, e-mail, exercises
// passed, reviews done, reviews assigned, evaluation score (empty when not
// taken) and level (0, 1 or 2, after any override), column titles in lang.
func WriteResultsCSV(w io.Writer, t Texts, lang string, rs []Result) error {
	return writeTable(w, t, lang, resultsColumns, rs, func(r Result) []string {
		var name, email string
		switch {
		case r.Deleted:
			name = t.T(lang, "export.results.deleted_account", nil)
		case r.User != nil:
			name, email = r.User.Name, r.User.Email
		}
		score := ""
		if r.Input.EvaluationScore != nil {
			score = number(*r.Input.EvaluationScore, lang)
		}
		return []string{name, email, strconv.Itoa(r.Outcome.ExercisesPassed), strconv.Itoa(r.ReviewsDone),
			strconv.Itoa(r.ReviewsAssigned), score, strconv.Itoa(int(r.Level()))}
	})
}

// WriteCertificatesCSV writes a session's certificates: code, name as
// issued, level, issue time (in loc, as spreadsheets read it), status and
// verification address.
func WriteCertificatesCSV(w io.Writer, t Texts, lang string, list []Certificate, baseURL string, loc *time.Location) error {
	if loc == nil {
		loc = time.UTC
	}
	return writeTable(w, t, lang, certificatesColumns, list, func(c Certificate) []string {
		status := exportValid
		if c.RevokedAt != nil {
			status = exportRevoked
		}
		return []string{c.Code, c.HolderName, strconv.Itoa(int(c.Level)), c.IssuedAt.In(loc).Format("2006-01-02 15:04"),
			t.T(lang, status, nil), VerifyURL(baseURL, c.Code)}
	})
}
