package app

import (
	"fmt"
	"io/fs"
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
}

// newBundle loads assets/locales/*.LANG.toml.
func newBundle() (*bundle, error) {
	b := &bundle{Bundle: i18n.NewBundle(language.French), plain: map[string]bool{}}
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
			for _, m := range mf.Messages {
				if m.Zero+m.One+m.Two+m.Few+m.Many != "" || strings.Contains(m.Other, "{{") {
					templated[m.ID] = true
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
	lang  string
	loc   *i18n.Localizer
	plain map[string]string // the messages without arguments, localized once
}

func newTranslator(b *bundle, lang string) *translator {
	t := &translator{lang: lang, loc: i18n.NewLocalizer(b.Bundle, lang), plain: make(map[string]string, len(b.plain))}
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
	} else {
		data = kv2map(args)
	}
	return t.localize(id, data)
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
