package certificates

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestWriteAuditCSV: names and codes as given, times in the zone, the
// platform named when nobody acted, the language's separator, and formula
// cells neutralised.
func TestWriteAuditCSV(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	lines := []AuditLine{
		{At: time.Date(2026, 4, 12, 22, 30, 0, 0, time.UTC), Actor: "Camille Coord", Action: "certificat révoqué", Session: "LCIII-3",
			What: "LC3-7K2Q-M9XD-4TPA-Q8ZC", Detail: "public", Reason: "=HYPERLINK(\"x\"); plagiat"},
		{At: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC), Action: "session clôturée", Session: "LCVI-1"},
	}
	header := []string{"export.audit.when", "export.audit.who", "export.audit.action", "export.audit.session",
		"export.audit.what", "export.audit.detail", "export.audit.why"}
	for _, tc := range []struct {
		lang  string
		comma rune
	}{{"fr", ';'}, {"en", ','}} {
		var buf bytes.Buffer
		if err := WriteAuditCSV(&buf, exportTexts{}, tc.lang, lines, "plateforme", paris); err != nil {
			t.Fatal(err)
		}
		h := make([]string, len(header))
		for i, id := range header {
			h[i] = tc.lang + ":" + id
		}
		want := [][]string{h,
			{"2026-04-13 00:30", "Camille Coord", "certificat révoqué", "LCIII-3", "LC3-7K2Q-M9XD-4TPA-Q8ZC", "public", "'=HYPERLINK(\"x\"); plagiat"},
			{"2026-01-05 10:00", "plateforme", "session clôturée", "LCVI-1", "", "", ""},
		}
		if diff := cmp.Diff(want, readBack(t, buf.Bytes(), tc.comma)); diff != "" {
			t.Fatalf("%s audit CSV (-want +got):\n%s", tc.lang, diff)
		}
	}
}
