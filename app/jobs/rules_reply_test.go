package jobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"librecours/course"
	"librecours/notify"
	"librecours/notify/notifytest"
)

// people is the course store of these tests: UserByID only.
type people struct {
	course.Store
	users map[string]*course.User
	err   error
}

func (p people) UserByID(_ context.Context, id string) (*course.User, error) {
	if p.err != nil {
		return nil, p.err
	}
	if u, ok := p.users[id]; ok {
		return u, nil
	}
	return nil, course.ErrNotFound
}

// TestReviewReplied: the reviewer is told of a reply in the next morning's
// digest, once however often the reply is reported, with the session, the
// part and their review, and nothing of the author; a reviewer who
// switched the kind off, or whose account was deleted, is told nothing.
func TestReviewReplied(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	author := &course.User{ID: "u-author-7f3a", Name: "Aline Autrice", Email: "aline@example.org"}
	reviewer := &course.User{ID: "u-rev-19c2", Name: "Rémi Relecteur", Email: "remi@example.org"}
	quiet := &course.User{ID: "u-quiet-55d0", Name: "Quentin", Email: "quentin@example.org"}
	sess := &course.Session{ID: "s-1", Code: "LCIII-001", TimeZone: "Europe/Paris"}

	store := notifytest.NewMemory()
	var logs bytes.Buffer
	n := &Rules{Outbox: &notify.Outbox{Store: store, Now: func() time.Time { return now }, Location: time.UTC}, Hooks: store,
		Course: people{users: map[string]*course.User{author.ID: author, reviewer.ID: reviewer, quiet.ID: quiet}},
		Now:    func() time.Time { return now }, Log: slog.New(slog.NewTextHandler(&logs, nil))}
	if _, err := n.Outbox.SetPrefs(ctx, quiet, map[notify.Kind]bool{notify.KindReviewReplied: false}); err != nil {
		t.Fatal(err)
	}

	for range 3 { // a retry, a second server: one notice
		n.ReviewReplied(ctx, sess, 2, "rev-a1", reviewer.ID)
	}
	n.ReviewReplied(ctx, sess, 2, "rev-b2", quiet.ID)                   // switched off
	n.ReviewReplied(ctx, sess, 2, "rev-c3", "deleted-0a1b2c3d4e5f6a7b") // a tombstone

	msgs := store.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1: %+v", len(msgs), msgs)
	}
	m := msgs[0]
	if m.ID != notify.MailID(notify.KindReviewReplied, reviewer.ID, "2026-03-01") || m.Kind != notify.KindReviewReplied || m.UserID != reviewer.ID {
		t.Fatalf("message %s of kind %s to %s", m.ID, m.Kind, m.UserID)
	}
	if want := time.Date(2026, 3, 2, notify.DigestHour, 0, 0, 0, time.UTC); !m.NextAt.Equal(want) {
		t.Errorf("due at %s, want the next morning %s", m.NextAt, want)
	}
	want := notify.Event{Key: "replied|rev-a1", SessionID: sess.ID, SessionCode: sess.Code, TimeZone: sess.TimeZone, Part: 2, Code: "rev-a1"}
	if len(m.Events) != 1 || m.Events[0] != want {
		t.Fatalf("events %+v, want [%+v]", m.Events, want)
	}
	if s := fmt.Sprintf("%+v", m); strings.Contains(s, author.ID) || strings.Contains(s, author.Name) || strings.Contains(s, author.Email) {
		t.Fatalf("the message names the author: %s", s)
	}
	if logs.Len() != 0 {
		t.Fatalf("logged: %s", logs.String())
	}

	// A store that fails is logged; nothing is queued.
	n.Course = people{err: errors.New("database down")}
	n.ReviewReplied(ctx, sess, 2, "rev-d4", reviewer.ID)
	if len(store.Messages()) != 1 || !strings.Contains(logs.String(), "database down") {
		t.Fatalf("after a failing lookup: %d messages, log %q", len(store.Messages()), logs.String())
	}
}
