package mongostore_test

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"librecours/app/mongostore"
	"librecours/app/mongostore/mongotest"
	"librecours/certificates"
	"librecours/course"
)

// TestWorkloadMissingReadsAsDefault: sessions and certificates written
// before the workload setting have no workload_hours field; they read as 25
// hours, what every certificate stated until then. The scenarios shared
// with the embedded store are in storetest.Workload.
func TestWorkloadMissingReadsAsDefault(t *testing.T) {
	db := mongotest.Open(t, mongotest.Options{})
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	cs, certs := mongostore.NewCourseStore(db.DB), mongostore.NewCertificateStore(db.DB)
	sess := &course.Session{Code: "LCIII-001", Format: course.LCIII, Number: 1, StartsOn: "2026-03-02", EndsOn: "2026-03-22",
		TimeZone: "Europe/Paris", Settings: course.DefaultSettings(), WorkloadHours: 30, CreatedAt: t0, CreatedBy: "c"}
	if err := cs.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	cert := certificates.Certificate{Code: "LCIII-AAAA-BBBB-CCCC", SessionID: sess.ID, SessionCode: sess.Code, UserID: "u",
		HolderName: "Ada", Level: certificates.LevelI, Lang: "fr", Salt: "s", Badge: "b", Rules: certificates.DefaultRules(),
		IssuedAt: t0, WorkloadHours: 30}
	if err := certs.InsertCertificate(ctx, cert); err != nil {
		t.Fatal(err)
	}
	if got, err := cs.SessionByID(ctx, sess.ID); err != nil || got.WorkloadHours != 30 {
		t.Fatalf("session as written: %v h, %v; want 30", got.WorkloadHours, err)
	}
	// Take the field away, as in a document from before the setting.
	unset := bson.M{"$unset": bson.M{"workload_hours": ""}}
	if _, err := db.W("sessions").UpdateOne(ctx, bson.M{"_id": sess.ID}, unset); err != nil {
		t.Fatal(err)
	}
	if _, err := db.W("certificates").UpdateOne(ctx, bson.M{"_id": cert.Code}, unset); err != nil {
		t.Fatal(err)
	}
	got, err := cs.SessionByID(ctx, sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.WorkloadHours != 25 {
		t.Errorf("session without workload_hours reads %d h, want 25", got.WorkloadHours)
	}
	gotCert, err := certs.Certificate(ctx, cert.Code)
	if err != nil {
		t.Fatal(err)
	}
	if gotCert.WorkloadHours != 25 {
		t.Errorf("certificate without workload_hours reads %d h, want 25", gotCert.WorkloadHours)
	}
}
