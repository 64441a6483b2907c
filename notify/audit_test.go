package notify_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"librecours/course"
)

// auditLog is a course.Auditor that keeps what it is given.
type auditLog struct {
	entries []course.AuditEntry
	fail    error
}

func (a *auditLog) Audit(_ context.Context, e course.AuditEntry) error {
	if a.fail != nil {
		return a.fail
	}
	a.entries = append(a.entries, e)
	return nil
}

// TestWebhookChangesAudited (issue #13 item 9): setting or clearing a
// session's webhook is in the audit log, naming the host and threshold but
// never the URL, which holds the channel's secret; refused changes are not.
func TestWebhookChangesAudited(t *testing.T) {
	r := newRig(t)
	log := &auditLog{}
	r.outbox.Audit = log
	ctx := context.Background()
	sess := &course.Session{ID: "s1", Code: "LCIII-001"}
	coord := &course.User{ID: "c", Roles: []course.Role{course.RoleCoordinator}}
	if _, err := r.outbox.SetWebhook(ctx, coord, sess, "ftp://x", 0); err == nil {
		t.Fatal("ftp accepted")
	}
	if _, err := r.outbox.SetWebhook(ctx, coord, sess, "https://chat.example.org/hooks/s3cr3t", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := r.outbox.SetWebhook(ctx, coord, sess, "", 0); err != nil {
		t.Fatal(err)
	}
	if len(log.entries) != 2 {
		t.Fatalf("entries %+v", log.entries)
	}
	for i, want := range []struct {
		key  string
		args map[string]any
	}{
		{"audit.detail.webhook_set", map[string]any{"Host": "chat.example.org", "Threshold": 10}},
		{"audit.detail.webhook_cleared", map[string]any{}},
	} {
		e := log.entries[i]
		if e.Action != course.AuditWebhook || e.ActorID != "c" || e.SessionID != "s1" || e.Target != "LCIII-001" || !e.At.Equal(r.clk.Now()) {
			t.Errorf("entry %d: %+v", i, e)
		}
		key, args, ok := course.ParseAuditDetail(e.Detail)
		if !ok || key != want.key || len(args) != len(want.args) || args["Host"] != want.args["Host"] || args["Threshold"] != want.args["Threshold"] {
			t.Errorf("entry %d detail %q: %s %v", i, e.Detail, key, args)
		}
		if strings.Contains(e.Detail, "s3cr3t") || strings.Contains(e.Detail, "hooks") {
			t.Errorf("entry %d shows the webhook's path: %q", i, e.Detail)
		}
	}
	down := errors.New("audit down")
	log.fail = down
	if _, err := r.outbox.SetWebhook(ctx, coord, sess, "https://chat.example.org/hooks/b", 5); !errors.Is(err, down) {
		t.Fatalf("failing audit: %v", err)
	}
}
