package mongostore_test

import (
	"context"
	"testing"
	"time"

	"librecours/app/mongostore"
	"librecours/app/mongostore/storetest"
	"librecours/notify"
	"librecours/notify/notifytest"
)

// TestOutboxStore runs the scenarios every notify.Store passes (the
// in-memory one included) against the database.
func TestOutboxStore(t *testing.T) {
	notifytest.StoreScenarios(t, func(t *testing.T) notify.Store {
		return mongostore.NewOutboxStore(storetest.Open(t, storetest.Options{}).DB)
	})
}

// TestOutboxShapes checks the fields other code relies on: account deletion
// removes {user_id: id} from the outbox and {_id: id} from notify_prefs.
func TestOutboxShapes(t *testing.T) {
	db := storetest.Open(t, storetest.Options{})
	s := mongostore.NewOutboxStore(db.DB)
	ctx := context.Background()
	at := notifytest.T0
	for _, m := range []notify.Message{
		notifytest.Mail(notify.KindDeadline, "u1", "2026-03-01", "a", at),
		notifytest.Mail(notify.KindGradeAvailable, "u1", "2026-03-01", "b", at.Add(time.Second)),
		notifytest.Mail(notify.KindGradeAvailable, "u2", "2026-03-01", "b", at),
	} {
		if _, err := s.Add(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetPrefs(ctx, "u1", notify.Prefs{Off: []notify.Kind{notify.KindDeadline}}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetWebhook(ctx, "s1", "https://chat.example.org/hooks/a", 0); err != nil {
		t.Fatal(err)
	}
	mine, err := s.Messages(ctx, "u1")
	if err != nil || len(mine) != 2 || mine[0].Kind != notify.KindDeadline {
		t.Fatalf("messages of u1: %v %v", mine, err)
	}
	for coll, filter := range map[string]map[string]any{
		"outbox": {"user_id": "u1"}, "notify_prefs": {"_id": "u1"}, "session_hooks": {"session_id": "s1"},
	} {
		if n, err := db.R(coll).CountDocuments(ctx, filter); err != nil || n == 0 {
			t.Errorf("%s %v: %d, %v", coll, filter, n, err)
		}
	}
	if _, err := db.W("outbox").DeleteMany(ctx, map[string]any{"user_id": "u1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.W("notify_prefs").DeleteOne(ctx, map[string]any{"_id": "u1"}); err != nil {
		t.Fatal(err)
	}
	if mine, _ := s.Messages(ctx, "u1"); len(mine) != 0 {
		t.Fatalf("after deletion: %d messages", len(mine))
	}
	if p, _ := s.Prefs(ctx, "u1"); len(p.Off) != 0 {
		t.Fatalf("after deletion: prefs %+v", p)
	}
	if other, _ := s.Messages(ctx, "u2"); len(other) != 1 {
		t.Fatalf("someone else's messages went: %d", len(other))
	}
}
