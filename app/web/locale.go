package web

import (
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"librecours/assets"
)

// Languages the platform speaks, the default first.
var languages = []string{"fr", "en"}

// localeFiles lists the message files of language l: active.l.toml, then
// any AREA.l.toml (one per area keeps files short).
func localeFiles(l string) ([]string, error) {
	names, err := fs.Glob(assets.Locales, "*."+l+".toml")
	if err != nil || len(names) == 0 {
		return nil, fmt.Errorf("app: no locale files for %s", l)
	}
	return names, nil
}

// bundle is the loaded messages, with the IDs of those that take no
// arguments and have no plural forms: a translator looks them up in a map
// instead of running go-i18n's templates for every label of every page.
type bundle struct {
	*i18n.Bundle
	plain map[string]bool
	// simple holds, per language, the messages without plural forms whose
	// only actions are {{.Name}}: a translator fills them in itself, which
	// gives what go-i18n's text/template would, a tenth of the work.
	simple map[string]map[string][]segment
}

// segment is a literal text, or the argument Key when Key is set.
type segment struct{ text, key string }

// simpleAction is one {{.Name}} in a message.
var simpleAction = regexp.MustCompile(`\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

// compileSimple splits a message into literal texts and arguments, or says
// it has other template actions.
func compileSimple(msg string) ([]segment, bool) {
	var out []segment
	last := 0
	for _, m := range simpleAction.FindAllStringSubmatchIndex(msg, -1) {
		if lit := msg[last:m[0]]; lit != "" {
			out = append(out, segment{text: lit})
		}
		out = append(out, segment{key: msg[m[2]:m[3]]})
		last = m[1]
	}
	if lit := msg[last:]; lit != "" {
		out = append(out, segment{text: lit})
	}
	for _, s := range out {
		if s.key == "" && (strings.Contains(s.text, "{{") || strings.Contains(s.text, "}}")) {
			return nil, false
		}
	}
	return out, true
}

// newBundle loads assets/locales/*.LANG.toml.
func newBundle() (*bundle, error) {
	b := &bundle{Bundle: i18n.NewBundle(language.French), plain: map[string]bool{}, simple: map[string]map[string][]segment{}}
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	templated := map[string]bool{}
	for _, l := range languages {
		names, err := localeFiles(l)
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			data, err := fs.ReadFile(assets.Locales, name)
			if err != nil {
				return nil, fmt.Errorf("app: locale %s: %w", name, err)
			}
			mf, err := b.ParseMessageFileBytes(data, name)
			if err != nil {
				return nil, fmt.Errorf("app: locale %s: %w", name, err)
			}
			if b.simple[l] == nil {
				b.simple[l] = map[string][]segment{}
			}
			for _, m := range mf.Messages {
				plural := m.Zero+m.One+m.Two+m.Few+m.Many != ""
				if plural || strings.Contains(m.Other, "{{") {
					templated[m.ID] = true
				}
				if segs, ok := compileSimple(m.Other); ok && !plural && m.Other != "" {
					b.simple[l][m.ID] = segs
				}
				b.plain[m.ID] = true
			}
		}
	}
	for id := range templated {
		delete(b.plain, id)
	}
	return b, nil
}

// translator localizes message IDs for one language.
type translator struct {
	lang   string
	loc    *i18n.Localizer
	plain  map[string]string    // the messages without arguments, localized once
	simple map[string][]segment // the messages whose arguments this fills in
}

func newTranslator(b *bundle, lang string) *translator {
	t := &translator{lang: lang, loc: i18n.NewLocalizer(b.Bundle, lang), plain: make(map[string]string, len(b.plain)), simple: b.simple[lang]}
	for id := range b.plain {
		t.plain[id] = t.localize(id, nil)
	}
	return t
}

// T returns the message id filled with args given as key, value pairs, or as
// one map. A missing message shows its ID (the locale test keeps that from
// shipping).
func (t *translator) T(id string, args ...any) string {
	if len(args) == 0 {
		if s, ok := t.plain[id]; ok {
			return s
		}
	}
	var data map[string]any
	if len(args) == 1 {
		data, _ = args[0].(map[string]any)
	} else if segs, ok := t.simple[id]; ok {
		return t.fill(segs, args)
	} else {
		data = kv2map(args)
	}
	return t.localize(id, t.localNumbers(data))
}

// number writes a float as the language does: a decimal comma in French.
func (t *translator) number(x float64) string {
	s := strconv.FormatFloat(x, 'f', -1, 64)
	if t.lang == "fr" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// localNumbers returns data with its floats written in the language (a
// copy, only when there is one).
func (t *translator) localNumbers(data map[string]any) map[string]any {
	var out map[string]any
	for k, v := range data {
		if x, ok := v.(float64); ok && k != "Count" {
			if out == nil {
				out = make(map[string]any, len(data))
				for k2, v2 := range data {
					out[k2] = v2
				}
			}
			out[k] = t.number(x)
		}
	}
	if out == nil {
		return data
	}
	return out
}

func (t *translator) localize(id string, data map[string]any) string {
	var count any
	if c, ok := data["Count"]; ok {
		count = c
	}
	s, err := t.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if err != nil || s == "" {
		return id
	}
	return s
}

// fill writes a simple message with args given as key, value pairs, as
// text/template prints them (fmt.Sprint; "<no value>" for a missing one),
// except floats, written in the language.
func (t *translator) fill(segs []segment, args []any) string {
	var b strings.Builder
	for _, s := range segs {
		if s.key == "" {
			b.WriteString(s.text)
			continue
		}
		v, found := any(nil), false
		for i := 0; i+1 < len(args); i += 2 {
			if k, _ := args[i].(string); k == s.key {
				v, found = args[i+1], true
				break
			}
		}
		switch x := v.(type) {
		case string:
			b.WriteString(x)
		case int:
			b.WriteString(strconv.Itoa(x))
		case float64:
			b.WriteString(t.number(x))
		default:
			if !found || v == nil {
				b.WriteString("<no value>")
			} else {
				fmt.Fprint(&b, v)
			}
		}
	}
	return b.String()
}

// pickLanguage chooses between an explicit choice and the Accept-Language
// header; French is the default.
func pickLanguage(choice, acceptLanguage string) string {
	for _, l := range languages {
		if choice == l {
			return l
		}
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err == nil {
		for _, tag := range tags {
			base, _ := tag.Base()
			for _, l := range languages {
				if strings.EqualFold(base.String(), l) {
					return l
				}
			}
		}
	}
	return languages[0]
}

// Texts are the platform's messages in every language it speaks, loaded
// once: the localization the certificate, mail and export code is given
// (certificates.Texts, notify.Texts), and the translators of the pages.
type Texts struct{ translators map[string]*translator }

// LoadTexts reads the embedded locale files.
func LoadTexts() (*Texts, error) {
	b, err := newBundle()
	if err != nil {
		return nil, err
	}
	t := &Texts{translators: make(map[string]*translator, len(languages))}
	for _, l := range languages {
		t.translators[l] = newTranslator(b, l)
	}
	return t, nil
}

// Languages lists the platform's languages, the default first.
func (*Texts) Languages() []string { return slices.Clone(languages) }

// T localizes message id in lang (the default language if lang is not spoken).
func (t *Texts) T(lang, id string, args map[string]any) string { return t.of(lang).T(id, args) }

// of is lang's translator, or the default language's.
func (t *Texts) of(lang string) *translator {
	if tr, ok := t.translators[lang]; ok {
		return tr
	}
	return t.translators[languages[0]]
}
