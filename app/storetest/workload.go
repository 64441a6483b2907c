package storetest

import (
	"context"
	"testing"

	"librecours/app/store"
	"librecours/certificates"
	"librecours/course"
)

// Workload is the conformance suite of the course's workload in hours: a
// session's setting and the one each certificate was issued with, both
// saved, read back, changed (sessions only) and carried through a backup;
// a session or certificate saved without one reads as 25 hours.
func Workload(t *testing.T, open Open) {
	ctx := context.Background()
	b := open(t)
	st := b.Stores()

	set := courseSession(t, st.Course, course.LCIII, 0, T0)
	set.WorkloadHours = 30
	if err := st.Course.SetWorkload(ctx, set.ID, 30); err != nil {
		t.Fatal(err)
	}
	created := courseSessionWith(t, st.Course, 42)
	unset := courseSessionWith(t, st.Course, 0)
	for _, tc := range []struct {
		what string
		id   string
		want int
	}{{"set to 30", set.ID, 30}, {"created with 42", created.ID, 42}, {"saved without one", unset.ID, course.DefaultWorkloadHours}} {
		if got := courseGetSession(t, st.Course, tc.id); got.WorkloadHours != tc.want {
			t.Errorf("session %s: workload %d, want %d", tc.what, got.WorkloadHours, tc.want)
		}
	}
	courseWant(t, "SetWorkload of no session", st.Course.SetWorkload(ctx, "no-such-session", 30), course.ErrNotFound)

	// A certificate keeps the workload it was issued with, whatever the
	// session says later.
	issued := certNew("LCIII-WWWW-0030-AAAA", set.ID, "ada", certificates.LevelI, T0)
	issued.WorkloadHours = 30
	old := certNew("LCIII-WWWW-0000-BBBB", set.ID, "bob", certificates.LevelII, T0)
	old.WorkloadHours = 0
	for _, c := range []certificates.Certificate{issued, old} {
		if err := st.Certificates.InsertCertificate(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Course.SetWorkload(ctx, set.ID, 50); err != nil {
		t.Fatal(err)
	}
	certWorkloads := func(st store.Stores, when string) {
		t.Helper()
		for code, want := range map[string]int{issued.Code: 30, old.Code: certificates.DefaultWorkloadHours} {
			got, err := st.Certificates.Certificate(ctx, code)
			if err != nil {
				t.Fatal(err)
			}
			if got.WorkloadHours != want {
				t.Errorf("%s: certificate %s states %d h, want %d", when, code, got.WorkloadHours, want)
			}
		}
		list, err := st.Certificates.CertificatesBySession(ctx, set.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range list {
			if c.Code == issued.Code && c.WorkloadHours != 30 {
				t.Errorf("%s: listed certificate %s states %d h, want 30", when, c.Code, c.WorkloadHours)
			}
		}
	}
	certWorkloads(st, "after the session changed to 50 h")
	if got := courseGetSession(t, st.Course, set.ID); got.WorkloadHours != 50 {
		t.Errorf("session after SetWorkload(50): %d h", got.WorkloadHours)
	}

	// A backup carries both.
	recs := memRecords{}
	if err := b.Export(ctx, recs); err != nil {
		t.Fatal(err)
	}
	b2 := open(t)
	if err := b2.Import(ctx, recs); err != nil {
		t.Fatal(err)
	}
	st2 := b2.Stores()
	for id, want := range map[string]int{set.ID: 50, created.ID: 42, unset.ID: course.DefaultWorkloadHours} {
		if got := courseGetSession(t, st2.Course, id); got.WorkloadHours != want {
			t.Errorf("restored session %s: workload %d, want %d", got.Code, got.WorkloadHours, want)
		}
	}
	certWorkloads(st2, "restored")
}

// courseSessionWith creates an LCVI session whose workload is hours (0:
// left unset) and returns it.
func courseSessionWith(t *testing.T, s store.CourseStore, hours int) *course.Session {
	t.Helper()
	sess := courseSession(t, s, course.LCVI, 0, T0)
	// courseSession sets the default; make a second one as asked.
	n, err := s.NextSessionNumber(context.Background(), course.LCVI)
	if err != nil {
		t.Fatal(err)
	}
	c := *sess
	c.ID, c.Number, c.Code, c.WorkloadHours = "", n, course.SessionCode(course.LCVI, n), hours
	if err := s.CreateSession(context.Background(), &c); err != nil {
		t.Fatal(err)
	}
	return &c
}
