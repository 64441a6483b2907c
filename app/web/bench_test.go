package web

import (
	"fmt"
	"testing"
	"time"

	"librecours/certificates"
	"librecours/course"
)

// BenchmarkCloseIssue1000 closes a session of 1,000 participants who all
// qualify (by override), issuing 1,000 certificates: code, signed Open Badges
// credential, storage, commitment and audit entry each, on the embedded
// database, then renders the 1,000 PDFs (rendered on download in use).
func BenchmarkCloseIssue1000(b *testing.B) {
	for range b.N {
		b.StopTimer()
		e := newEnv(b)
		ctx := b.Context()
		coord := &course.User{ID: "coord", Roles: []course.Role{course.RoleCoordinator}}
		sess, err := e.srv.course.CreateSession(ctx, e.user("c@example.org", "C", course.RoleCoordinator), course.NewSession{Format: "LCVI", StartsOn: "2026-03-02"})
		if err != nil {
			b.Fatal(err)
		}
		for i := range 1000 {
			u := &course.User{Email: fmt.Sprintf("p%04d@example.org", i), Name: fmt.Sprintf("Personne %04d", i), Roles: []course.Role{course.RoleParticipant}, PasswordHash: "x", CreatedAt: testStart}
			if err := e.db.Stores().Course.CreateUser(ctx, u); err != nil {
				b.Fatal(err)
			}
			if err := e.db.Stores().Course.Enrol(ctx, course.Enrolment{SessionID: sess.ID, UserID: u.ID, EnrolledAt: testStart}); err != nil {
				b.Fatal(err)
			}
			if err := e.srv.certs.Store.PutOverride(ctx, sess.ID, certificates.Override{UserID: u.ID, Level: certificates.LevelII, Reason: "bench", By: coord.ID, At: testStart}); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		start := time.Now()
		res, err := e.srv.certs.Close(ctx, coord, sess.ID)
		if err != nil || len(res.Issued) != 1000 {
			b.Fatalf("close: %v", err)
		}
		for i := range res.Issued {
			if _, err := e.srv.certificatePDF(&res.Issued[i], false); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/1000certs")
	}
}
