package web

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// An evaluation's time limit in minutes that overflows time.Duration once
// multiplied by a minute is refused (422), through the API and the form,
// and the settings stay as they were: 307445735 minutes wrapped around to
// a 26-second limit, and the smallest int to 0 (no limit), both saved as
// if typed.
func TestHostileEvaluationTimeLimitOverflow(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.e
	ctok := e.token(f.coord)
	sp := "/sessions/" + f.session.ID
	const questions = `[{"id":"q1","text":"Une question ?","choices":[{"id":"a","text":"Oui","correct":true},{"id":"b","text":"Non","correct":false}]}]`
	if res := e.api("PUT", "/api/v1"+sp+"/evaluation", ctok, `{"questions":`+questions+`,"attempts":1,"time_limit_minutes":30}`); res.Status != http.StatusOK {
		t.Fatalf("valid evaluation: %d %s", res.Status, res.Body)
	}
	limit := func() time.Duration {
		t.Helper()
		ev, err := e.srv.quiz.Store.Evaluation(t.Context(), f.session.ID)
		if err != nil {
			t.Fatal(err)
		}
		return ev.Settings.TimeLimit
	}
	for _, minutes := range []string{"307445735", "-9223372036854775808", "9223372036854775807", "1441", "-1"} {
		t.Run("API "+minutes, func(t *testing.T) {
			for _, lang := range []string{"fr", "en"} {
				res := e.api("PUT", "/api/v1"+sp+"/evaluation", ctok, `{"questions":`+questions+`,"attempts":1,"time_limit_minutes":`+minutes+`}`, "Accept-Language", lang)
				if res.Status != http.StatusUnprocessableEntity || res.errorCode() != "invalid" || res.errorMessage() == "" {
					t.Errorf("%s: %d %s, want 422 invalid", lang, res.Status, res.Body)
				}
			}
			if got := limit(); got != 30*time.Minute {
				t.Errorf("time limit now %v, want 30m0s kept", got)
			}
		})
	}
	b := e.browser()
	b.login(f.coord)
	for _, minutes := range []string{"307445735", "-9223372036854775808"} {
		t.Run("form "+minutes, func(t *testing.T) {
			tok := b.csrf(sp + "/evaluation/edit")
			p := b.post(sp+"/evaluation/questions", url.Values{"_csrf": {tok}, "attempts": {"1"}, "time_limit": {minutes},
				"questions": {"? Une question ?\n* Oui\n- Non"}})
			if p.Status != http.StatusUnprocessableEntity {
				t.Errorf("status %d, want 422 (Location %q)", p.Status, p.Location)
			}
			if v, _ := p.Doc.Find("#time_limit").Attr("aria-invalid"); v != "true" {
				t.Errorf("time_limit field not marked invalid")
			}
			if got := limit(); got != 30*time.Minute {
				t.Errorf("time limit now %v, want 30m0s kept", got)
			}
		})
	}
}
