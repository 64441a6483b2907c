package sqlstore

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The JSON columns of a session (parts, evaluation, settings, animators)
// are read on most requests, and encoding/json spent 10 to 16 µs on each
// session, most of it reflecting on the same few fields: 5% of a
// submission's CPU in the load harness. The decoders below read those
// columns as this package and SQLite's json_group_array write them, without
// reflection; anything else (an escape in a title, a space, another key
// order, a backup written by another tool) makes them answer false, and
// the column is decoded by encoding/json as before. FuzzSessionColumns
// checks that they never accept what encoding/json reads differently.

// decodeColumn decodes the JSON column col with fast, or with encoding/json
// when fast cannot read it.
func decodeColumn[T any](col string, fast func(string) (T, bool)) (T, error) {
	if v, ok := fast(col); ok {
		return v, nil
	}
	var v T
	err := fromJSON(col, &v)
	return v, err
}

// jsonScan reads a JSON text written without spaces.
type jsonScan struct {
	s string
	i int
}

// lit consumes x if the text continues with it.
func (j *jsonScan) lit(x string) bool {
	if strings.HasPrefix(j.s[j.i:], x) {
		j.i += len(x)
		return true
	}
	return false
}

// str reads a string without escapes, in valid UTF-8 (encoding/json would
// replace invalid bytes).
func (j *jsonScan) str() (string, bool) {
	if !j.lit(`"`) {
		return "", false
	}
	k := strings.IndexAny(j.s[j.i:], "\"\\")
	if k < 0 || j.s[j.i+k] != '"' {
		return "", false
	}
	v := j.s[j.i : j.i+k]
	for _, c := range []byte(v) {
		if c < 0x20 {
			return "", false // a control character must be escaped in JSON
		}
	}
	if !utf8.ValidString(v) {
		return "", false
	}
	j.i += k + 1
	return v, true
}

// int reads a whole number written as encoding/json writes an int.
func (j *jsonScan) int() (int, bool) {
	k := j.i
	if k < len(j.s) && j.s[k] == '-' {
		k++
	}
	start := k
	for k < len(j.s) && j.s[k] >= '0' && j.s[k] <= '9' {
		k++
	}
	if k == start || (j.s[start] == '0' && k > start+1) {
		return 0, false
	}
	n, err := strconv.Atoi(j.s[j.i:k])
	if err != nil {
		return 0, false
	}
	j.i = k
	return n, true
}

// time reads a time as encoding/json writes a time.Time.
func (j *jsonScan) time() (time.Time, bool) {
	v, ok := j.str()
	if !ok {
		return time.Time{}, false
	}
	var t time.Time
	return t, t.UnmarshalText([]byte(v)) == nil // as strict as encoding/json
}

// bool reads true or false.
func (j *jsonScan) bool() (bool, bool) {
	switch {
	case j.lit("true"):
		return true, true
	case j.lit("false"):
		return false, true
	}
	return false, false
}

// end reports whether the whole text was read.
func (j *jsonScan) end() bool { return j.i == len(j.s) }

// array reads an array, each element with item, and reports whether the
// array was read to its end and the text with it.
func (j *jsonScan) array(item func() bool) bool {
	if !j.lit("[") {
		return false
	}
	if j.lit("]") {
		return j.end()
	}
	for item() {
		if j.lit("]") {
			return j.end()
		}
		if !j.lit(",") {
			return false
		}
	}
	return false
}

// fastParts reads the parts column as partsJSON writes it.
func fastParts(s string) ([]partCol, bool) {
	j := &jsonScan{s: s}
	out := []partCol{}
	ok := j.array(func() bool {
		var p partCol
		var ok bool
		if !j.lit(`{"number":`) {
			return false
		}
		if p.Number, ok = j.int(); !ok || !j.lit(`,"title":`) {
			return false
		}
		if p.Title, ok = j.str(); !ok || !j.lit(`,"opens_at":`) {
			return false
		}
		if p.OpensAt, ok = j.time(); !ok || !j.lit(`,"submission_due":`) {
			return false
		}
		if p.SubmissionDue, ok = j.time(); !ok || !j.lit(`,"review_due":`) {
			return false
		}
		if p.ReviewDue, ok = j.time(); !ok || !j.lit("}") {
			return false
		}
		out = append(out, p)
		return true
	})
	return out, ok
}

// fastWindow reads the evaluation column as windowJSON writes it.
func fastWindow(s string) (w windowCol, ok bool) {
	j := &jsonScan{s: s}
	if !j.lit(`{"opens_at":`) {
		return w, false
	}
	if w.OpensAt, ok = j.time(); !ok || !j.lit(`,"due":`) {
		return w, false
	}
	if w.Due, ok = j.time(); !ok || !j.lit("}") {
		return w, false
	}
	return w, j.end()
}

// fastSettings reads the settings column as it is written.
func fastSettings(s string) (st settingsCol, ok bool) {
	j := &jsonScan{s: s}
	if !j.lit(`{"reviews_per_submission":`) {
		return st, false
	}
	if st.ReviewsPerSubmission, ok = j.int(); !ok || !j.lit(`,"comment_min_length":`) {
		return st, false
	}
	if st.CommentMinLength, ok = j.int(); !ok || !j.lit(`,"accept_late":`) {
		return st, false
	}
	if st.AcceptLate, ok = j.bool(); !ok || !j.lit("}") {
		return st, false
	}
	return st, j.end()
}

// fastStrings reads an array of strings as json_group_array writes it.
func fastStrings(s string) ([]string, bool) {
	j := &jsonScan{s: s}
	out := []string{}
	ok := j.array(func() bool {
		v, ok := j.str()
		out = append(out, v)
		return ok
	})
	return out, ok
}
