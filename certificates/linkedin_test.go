package certificates

import (
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLinkedInAddURL(t *testing.T) {
	for _, tc := range []struct {
		name   string
		issued time.Time
		want   url.Values
	}{
		{"issued", time.Date(2025, 1, 27, 23, 30, 0, 0, time.UTC), url.Values{"startTask": {"CERTIFICATION_NAME"},
			"name": {"Libre cours Libre Culture – Niveau II & plus"}, "organizationName": {"Picasoft"}, "issueYear": {"2025"}, "issueMonth": {"1"},
			"certUrl": {"https://cours.example.org/certificates/LC3-7K2Q-M9XD-4TPA-Q8ZC"}, "certId": {"LC3-7K2Q-M9XD-4TPA-Q8ZC"}}},
		{"no date", time.Time{}, url.Values{"startTask": {"CERTIFICATION_NAME"},
			"name": {"Libre cours Libre Culture – Niveau II & plus"}, "organizationName": {"Picasoft"},
			"certUrl": {"https://cours.example.org/certificates/LC3-7K2Q-M9XD-4TPA-Q8ZC"}, "certId": {"LC3-7K2Q-M9XD-4TPA-Q8ZC"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := LinkedInAddURL("Libre cours Libre Culture – Niveau II & plus", "Picasoft", tc.issued,
				"https://cours.example.org/certificates/LC3-7K2Q-M9XD-4TPA-Q8ZC", "LC3-7K2Q-M9XD-4TPA-Q8ZC")
			u, err := url.Parse(raw)
			if err != nil || u.Scheme != "https" || u.Host != "www.linkedin.com" || u.Path != "/profile/add" {
				t.Fatalf("%q: %v", raw, err)
			}
			if diff := cmp.Diff(tc.want, u.Query()); diff != "" {
				t.Errorf("query (-want +got):\n%s", diff)
			}
		})
	}
}
