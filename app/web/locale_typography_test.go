package web

import (
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/BurntSushi/toml"

	"librecours/assets"
)

const nnbsp = '\u202F' // narrow no-break space

var (
	// Parts of a message the typography rules do not apply to.
	tmplAction = regexp.MustCompile(`\{\{.*?\}\}`)
	urlText    = regexp.MustCompile(`\b(?:https?://|mailto:)\S*`)
	codeSample = regexp.MustCompile("`[^`\n]+`")
	// Inclusive forms other than the one the platform uses (the median dot
	// before each suffix: participant·e·s, animateur·rice·s).
	otherInclusive = regexp.MustCompile(`·(?:es|ices|rices|trices|euses|ves|les|nes|tes)\b|\(e\)|\(s\)`)
	// Masculine generics for people: a plural role noun without its
	// inclusive suffix, or a masculine article before a person.
	doublet          = regexp.MustCompile(`(?i)\b(?:la ou le|une \pL+ ou un|une \pL+ ou le) `)
	masculineGeneric = regexp.MustCompile(`(?i)(?:^|[^\pL·])((?:participant|animateur|évaluateur|coordinateur|inscrit|auteur|correcteur|utilisateur)s|(?:(?:le|un|chaque|son) |l’)(?:titulaire|participant|animateur|évaluateur|coordinateur|auteur|correcteur|utilisateur))(?:$|[^\pL·])`)
)

// frenchTypographyErrors lists what is wrong with one French text: a
// missing U+202F before ; : ! ? % or inside « », a straight apostrophe, or
// an inclusive form other than the platform's.
func frenchTypographyErrors(text string) []string {
	text = tmplAction.ReplaceAllString(text, "X")
	text = urlText.ReplaceAllString(text, "X")
	text = codeSample.ReplaceAllString(text, "X")
	var errs []string
	prev, next := rune(0), rune(0)
	for i, r := range text {
		next, _ = utf8.DecodeRuneInString(text[i+utf8.RuneLen(r):])
		switch r {
		case ';', ':', '!', '?', '%':
			if prev != nnbsp {
				errs = append(errs, fmt.Sprintf("no U+202F before %q at byte %d", r, i))
			}
		case '«':
			if next != nnbsp {
				errs = append(errs, fmt.Sprintf("no U+202F after « at byte %d", i))
			}
		case '»':
			if prev != nnbsp {
				errs = append(errs, fmt.Sprintf("no U+202F before » at byte %d", i))
			}
		case '\'':
			errs = append(errs, fmt.Sprintf("straight apostrophe at byte %d (use ’)", i))
		}
		prev = r
	}
	for _, m := range masculineGeneric.FindAllStringSubmatch(doublet.ReplaceAllString(text, ""), -1) {
		errs = append(errs, fmt.Sprintf("masculine generic %q (participant·e·s, la ou le titulaire, chaque personne...)", m[1]))
	}
	for _, m := range otherInclusive.FindAllString(text, -1) {
		errs = append(errs, fmt.Sprintf("inclusive form %q (use the median dot before each suffix: participant·e·s, animateur·rice·s)", m))
	}
	return errs
}

func TestFrenchTypographyCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		bad  int
	}{
		{"Échéance\u202F: demain\u202F!", 0},
		{"Échéance : demain !", 2},
		{"Échéance: demain", 1},
		{"85,0\u202F%", 0},
		{"{{.Pct}}%", 1},
		{"{{.Pct}}\u202F%", 0},
		{"«\u202Fmotif public\u202F»", 0},
		{"« motif public »", 2},
		{"l'instant", 1},
		{"l’instant", 0},
		{"{{if eq .A 'b'}}x{{end}}", 0},
		{"voir https://example.org/a?b=c:d", 0},
		{"tapez `a:b`", 0},
		{"Inscrit·es", 1},
		{"animateur·ices et animateur·rices", 2},
		{"participant·e·s et animateur·rice·s", 0},
		{"inscription(s)", 1},
		{"Le titulaire s’engage", 1},
		{"La ou le titulaire s’engage", 0},
		{"les participants et les animateurs", 2},
		{"les participant·e·s", 0},
		{"corrigée des habitudes de son auteur", 1},
		{"le droit d’auteur", 0},
		{"les habitudes de l’évaluateur", 1},
		{"Une animatrice ou un animateur a noté", 0},
	}
	for _, tt := range tests {
		if got := frenchTypographyErrors(tt.text); len(got) != tt.bad {
			t.Errorf("%q: %d errors %v, want %d", tt.text, len(got), got, tt.bad)
		}
	}
}

// frenchMessages reads every French message: ID (with ".one", ".many"...
// for plural forms) to text, and the plural forms of each counted message.
func localeMessages(t *testing.T, lang string) (texts map[string]string, forms map[string]map[string]bool) {
	t.Helper()
	names, err := localeFiles(lang)
	if err != nil {
		t.Fatal(err)
	}
	texts, forms = map[string]string{}, map[string]map[string]bool{}
	for _, name := range names {
		b, err := fs.ReadFile(assets.Locales, name)
		if err != nil {
			t.Fatal(err)
		}
		var raw map[string]any
		if err := toml.Unmarshal(b, &raw); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for id, v := range raw {
			switch v := v.(type) {
			case string:
				texts[name+": "+id] = v
			case map[string]any:
				forms[id] = map[string]bool{}
				for form, s := range v {
					if s, ok := s.(string); ok && form != "description" && form != "hash" {
						texts[name+": "+id+"."+form] = s
						forms[id][form] = true
					}
				}
			}
		}
	}
	return texts, forms
}

// TestFrenchTypography fails when a French message lacks a narrow no-break
// space (U+202F) before ; : ! ? % or inside « », uses a straight
// apostrophe, or another inclusive form than the median dot before each
// suffix (template actions, URLs and `code` are not checked).
func TestFrenchTypography(t *testing.T) {
	t.Parallel()
	texts, _ := localeMessages(t, "fr")
	ids := make([]string, 0, len(texts))
	for id := range texts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	bad := 0
	for _, id := range ids {
		if errs := frenchTypographyErrors(texts[id]); len(errs) > 0 {
			bad++
			t.Errorf("%s = %q: %s", id, texts[id], strings.Join(errs, "; "))
		}
	}
	if bad > 0 {
		t.Logf("%d French messages to fix", bad)
	}
}

// countArg finds a message that prints a count.
var countArg = regexp.MustCompile(`\{\{\s*\.Count\s*\}\}`)

// TestCountedMessagesHavePlurals fails when a message printing {{.Count}}
// is not a plural table, or when a French table lacks one of CLDR's forms
// (one, many, other: go-i18n picks "many" for 1,000,000 and above and would
// show the raw ID), or an English one lacks one or other.
func TestCountedMessagesHavePlurals(t *testing.T) {
	t.Parallel()
	need := map[string][]string{"fr": {"one", "many", "other"}, "en": {"one", "other"}}
	for _, lang := range languages {
		texts, forms := localeMessages(t, lang)
		for id, text := range texts {
			name, key, _ := strings.Cut(id, ": ")
			base := key
			if i := strings.LastIndex(key, "."); i > 0 {
				base = key[:i]
			}
			if _, plural := forms[base]; !plural && countArg.MatchString(text) {
				t.Errorf("%s: %s prints {{.Count}} but has no plural forms", name, key)
			}
		}
		for key, have := range forms {
			for _, f := range need[lang] {
				if !have[f] {
					t.Errorf("%s: %s has no %q form", lang, key, f)
				}
			}
		}
	}
}

// TestDecimalCommaInFrench: scores read 85,5 in French, 85.5 in English.
func TestDecimalCommaInFrench(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		lang string
		x    float64
		want string
	}{{"fr", 85.5, "85,5"}, {"fr", 100, "100,0"}, {"en", 85.5, "85.5"}, {"fr", -2.25, "-2,2"}} {
		if got := formatDecimal(tt.lang, tt.x); got != tt.want {
			t.Errorf("formatDecimal(%s, %v) = %q, want %q", tt.lang, tt.x, got, tt.want)
		}
	}
}

// TestFloatsInTheLanguage: a float given to a message is written with a
// decimal comma in French, whether the message is filled by the translator
// itself or by go-i18n (a map of arguments), and with a point in English.
func TestFloatsInTheLanguage(t *testing.T) {
	t.Parallel()
	b, err := newBundle()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ lang, want string }{{"fr", "dont 12,5 Mio"}, {"en", "12.5 MiB already"}} {
		tr := newTranslator(b, tt.lang)
		for _, got := range []string{
			tr.T("grading.submission.quota", "QuotaMiB", 50, "UsedMiB", 12.5),
			tr.T("grading.submission.quota", map[string]any{"QuotaMiB": 50, "UsedMiB": 12.5}),
		} {
			if !strings.Contains(got, tt.want) {
				t.Errorf("%s: %q lacks %q", tt.lang, got, tt.want)
			}
		}
	}
}
