package certificates

import "testing"

// TestBuildCredentialWorkload: the workload sentence ends the embedded
// achievement's criteria, after one space; without one the criteria are
// left as given. Nothing else of the achievement changes.
func TestBuildCredentialWorkload(t *testing.T) {
	t.Parallel()
	plain, err := BuildCredential(testBadgeInput())
	if err != nil {
		t.Fatal(err)
	}
	in := testBadgeInput()
	if got := plain.CredentialSubject.Achievement.Criteria.Narrative; got != in.CriteriaNarrative {
		t.Errorf("criteria without a workload = %q, want %q", got, in.CriteriaNarrative)
	}
	for _, tc := range []struct{ note, want string }{
		{"Volume de travail de la session\u202f: 30 heures.", in.CriteriaNarrative + " Volume de travail de la session\u202f: 30 heures."},
		{"  Session workload: 1 hour.  ", in.CriteriaNarrative + " Session workload: 1 hour."},
		{"   ", in.CriteriaNarrative},
	} {
		in := testBadgeInput()
		in.WorkloadNote = tc.note
		cred, err := BuildCredential(in)
		if err != nil {
			t.Fatal(err)
		}
		a := cred.CredentialSubject.Achievement
		if a.Criteria.Narrative != tc.want {
			t.Errorf("note %q: criteria %q, want %q", tc.note, a.Criteria.Narrative, tc.want)
		}
		p := plain.CredentialSubject.Achievement
		if a.ID != p.ID || a.Name != p.Name || a.Description != p.Description {
			t.Errorf("note %q changed the achievement beyond its criteria: %+v", tc.note, a)
		}
	}
	for _, tc := range []struct{ a, b, want string }{{"", "", ""}, {"A.", "", "A."}, {"", "B.", "B."}, {"A. ", " B.", "A. B."}} {
		if got := joinSentences(tc.a, tc.b); got != tc.want {
			t.Errorf("joinSentences(%q, %q) = %q, want %q", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestCertificateWorkload: a certificate from before the setting states 25
// hours, as its PDF did; one issued since states its own.
func TestCertificateWorkload(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ stored, want int }{{0, 25}, {30, 30}, {500, 500}} {
		c := Certificate{WorkloadHours: tc.stored}
		if got := c.Workload(); got != tc.want {
			t.Errorf("Certificate{WorkloadHours: %d}.Workload() = %d, want %d", tc.stored, got, tc.want)
		}
	}
}
