package mongostore

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"librecours/course"
)

// The course store also exports and deletes a person's data, across every
// collection.
var _ course.PrivacyStore = (*CourseStore)(nil)

// privacyOwnCollections hold documents that belong to one person and go with
// the account: read whole in an export, deleted with the account. Other
// areas own them; a collection that does not exist yet is simply empty.
var privacyOwnCollections = []struct{ coll, key string }{
	{"outbox", "user_id"},
	{"notify_prefs", "_id"},
	{"invitations", "user_id"},
	{"calendar_feeds", "user_id"},
	{"availability", "user_id"},
}

// privacyNameFields may hold a person's name or e-mail copied into a piece of
// work; an anonymised document loses them.
var privacyNameFields = bson.M{
	"author_name": "", "author_email": "", "reviewer_name": "", "reviewer_email": "",
	"user_name": "", "user_email": "", "name": "", "email": "",
}

// Audit action and commitment release reason of an account deletion (keys,
// not text: pages translate them).
const (
	AuditAccountDelete      = "account.delete"
	ReleasedAccountDeletion = "account_deleted"
)

// PersonalData gathers everything stored about a person: the account
// (without its password hash), enrolments, own submissions with their
// versions and files' metadata, reviews written (without the author
// reviewed), reviews received (without their reviewers), evaluation
// attempts, certificates, commitments and choices about them, level
// overrides (without who decided), sign-in sessions and API tokens (times
// and kind only), and the person's documents of other areas' collections.
func (s *CourseStore) PersonalData(ctx context.Context, userID string) (*course.PersonalData, error) {
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	u.PasswordHash = ""
	pd := &course.PersonalData{User: *u, Sections: map[string][]course.Record{}}
	read := func(section, coll string, filter bson.M, drop ...string) ([]course.Record, error) {
		recs, err := s.privacyRecords(ctx, coll, filter, drop...)
		pd.Sections[section] = recs
		return recs, err
	}

	enrols, err := read("enrolments", colEnrolments, bson.M{"user_id": userID})
	if err != nil {
		return nil, err
	}
	if err := s.privacySessionCodes(ctx, enrols); err != nil {
		return nil, err
	}
	animated, err := read("sessions_animated", colSessions, bson.M{"animators": userID})
	if err != nil {
		return nil, err
	}
	for i, r := range animated { // the session itself is not theirs: its code and dates
		animated[i] = course.Record{"id": r["id"], "code": r["code"], "starts_on": r["starts_on"], "ends_on": r["ends_on"]}
	}

	subs, err := read("submissions", colSubs, bson.M{"author_id": userID})
	if err != nil {
		return nil, err
	}
	for _, sub := range subs {
		if a, ok := sub["animator"].(map[string]any); ok {
			delete(a, "by") // which animator decided is theirs, not the author's
		}
	}
	if err := s.privacyVersions(ctx, subs); err != nil {
		return nil, err
	}
	if _, err := read("files", colFiles, bson.M{"owner_id": userID}); err != nil {
		return nil, err
	}
	// Reviews written never name whose work they judged (nor whom they
	// were taken from); reviews received never name who wrote them.
	if _, err := read("reviews_written", colReviews, bson.M{"reviewer_id": userID}, "author_id", "taken_from"); err != nil {
		return nil, err
	}
	received, err := read("reviews_received", colReviews, bson.M{"author_id": userID, "status": "done"})
	if err != nil {
		return nil, err
	}
	for i, r := range received {
		received[i] = privacyPick(r, "id", "session_id", "part", "submission_id", "status", "scores", "comment", "percent", "done_at", "flag")
	}

	for _, sec := range []struct {
		section, coll string
		drop          []string
	}{
		{"evaluation_attempts", colAttempts, nil},
		{"certificates", colCertificates, nil},
		{"commitments", colCommitments, nil},
		{"commitment_choices", colCommitChoices, nil},
		{"level_overrides", colLevelOverrides, []string{"by"}},
	} {
		if _, err := read(sec.section, sec.coll, bson.M{"user_id": userID}, sec.drop...); err != nil {
			return nil, err
		}
	}
	auths, err := read("sign_in_sessions", colAuth, bson.M{"user_id": userID})
	if err != nil {
		return nil, err
	}
	for i, r := range auths {
		auths[i] = privacyPick(r, "kind", "created_at", "last_seen", "expires_at", "idle_expires_at")
	}
	for _, c := range privacyOwnCollections {
		// Their keys mean nothing to the person and might be a feed's secret.
		if _, err := read(c.coll, c.coll, bson.M{c.key: userID}, "id"); err != nil {
			return nil, err
		}
	}
	return pd, nil
}

// privacyRecords reads a collection's matching documents as plain records:
// _id becomes id, fields named like a secret and the drop fields are left out.
func (s *CourseStore) privacyRecords(ctx context.Context, coll string, filter bson.M, drop ...string) ([]course.Record, error) {
	var docs []bson.D
	if err := s.db.findAll(ctx, coll, filter, sortBy(bson.D{{Key: "_id", Value: 1}}), &docs); err != nil {
		return nil, err
	}
	out := make([]course.Record, 0, len(docs))
	for _, d := range docs {
		r := course.Record(privacyPlainDoc(d))
		if id, ok := r["_id"]; ok {
			delete(r, "_id")
			r["id"] = id
		}
		for _, f := range drop {
			delete(r, f)
		}
		out = append(out, r)
	}
	return out, nil
}

// privacySessionCodes adds each enrolment's session code and dates.
func (s *CourseStore) privacySessionCodes(ctx context.Context, enrols []course.Record) error {
	ids := bson.A{}
	for _, e := range enrols {
		ids = append(ids, e["session_id"])
	}
	if len(ids) == 0 {
		return nil
	}
	var docs []sessionDoc
	if err := s.db.findAll(ctx, colSessions, bson.M{"_id": bson.M{"$in": ids}}, options.Find(), &docs); err != nil {
		return err
	}
	byID := map[string]sessionDoc{}
	for _, d := range docs {
		byID[d.ID] = d
	}
	for _, e := range enrols {
		if id, _ := e["session_id"].(string); byID[id].ID != "" {
			e["session_code"], e["session_starts_on"], e["session_ends_on"] = byID[id].Code, byID[id].StartsOn, byID[id].EndsOn
		}
	}
	return nil
}

// privacyVersions nests each submission's kept versions in it.
func (s *CourseStore) privacyVersions(ctx context.Context, subs []course.Record) error {
	ids := bson.A{}
	for _, sub := range subs {
		sub["versions"] = []course.Record{}
		ids = append(ids, sub["id"])
	}
	if len(ids) == 0 {
		return nil
	}
	versions, err := s.privacyRecords(ctx, colVersions, bson.M{"submission_id": bson.M{"$in": ids}})
	if err != nil {
		return err
	}
	byID := map[any][]course.Record{}
	for _, v := range versions {
		byID[v["submission_id"]] = append(byID[v["submission_id"]], v)
	}
	for _, sub := range subs {
		if vs := byID[sub["id"]]; vs != nil {
			sub["versions"] = vs
		}
	}
	return nil
}

// privacyPick keeps only the named fields of r.
func privacyPick(r course.Record, fields ...string) course.Record {
	out := course.Record{}
	for _, f := range fields {
		if v, ok := r[f]; ok {
			out[f] = v
		}
	}
	return out
}

// privacyPlainDoc turns a document into plain Go values, leaving out the
// fields named like a secret at every depth.
func privacyPlainDoc(d bson.D) map[string]any {
	out := make(map[string]any, len(d))
	for _, e := range d {
		if !course.SecretField(e.Key) {
			out[e.Key] = privacyPlain(e.Value)
		}
	}
	return out
}

func privacyPlain(v any) any {
	switch v := v.(type) {
	case bson.D:
		return privacyPlainDoc(v)
	case bson.M:
		d := make(bson.D, 0, len(v))
		for k, x := range v {
			d = append(d, bson.E{Key: k, Value: x})
		}
		return privacyPlainDoc(d)
	case bson.A:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = privacyPlain(x)
		}
		return out
	case bson.DateTime:
		return v.Time().UTC()
	case time.Time:
		return v.UTC()
	case bson.ObjectID:
		return v.Hex()
	case bson.Binary:
		return v.Data
	case bson.Decimal128:
		return v.String()
	case bson.Null, bson.Undefined:
		return nil
	default:
		return v
	}
}

// DeleteAccount deletes a person's account. No multi-document transaction
// exists, so the writes come in an order that leaves nothing personal
// reachable from a live account if it stops midway, and it may run again:
//
//  1. the tombstone ID is chosen once and kept on the account, so a second
//     run uses the same one;
//  2. every sign-in session and API token goes, so nobody acts as the person
//     while their data moves;
//  3. the work left behind is anonymised: submissions, files, reviews
//     written and received, enrolments, evaluation attempts, commitments
//     and their choices, level overrides, certificates (which keep the
//     holder's name as issued), the sessions they animated and the audit
//     log now carry the tombstone; documents keyed by the person's ID are
//     copied under a new key before the old one is deleted;
//  4. the person's own documents of other areas and sign-in counters go;
//  5. the audit log records the deletion, under the tombstone only;
//  6. the account goes last.
func (s *CourseStore) DeleteAccount(ctx context.Context, userID string, at time.Time) (string, error) {
	tomb, email, err := s.privacyTombstone(ctx, userID)
	if err != nil {
		return "", err
	}
	id := userID
	steps := []struct {
		what string
		run  func() error
	}{
		{"sign-in sessions", func() error { return s.privacyDeleteMany(ctx, colAuth, bson.M{"user_id": id}) }},
		{"submissions", func() error { return s.privacyAnonymiseSubmissions(ctx, id, tomb) }},
		{"files", func() error { return s.privacySet(ctx, colFiles, "owner_id", id, tomb) }},
		{"reviews", func() error { return s.privacyAnonymiseReviews(ctx, id, tomb) }},
		{"enrolments", func() error {
			return s.privacyRekey(ctx, colEnrolments, bson.M{"user_id": id}, func(d bson.M) {
				d["_id"], d["user_id"] = fmt.Sprint(d["session_id"])+":"+tomb, tomb
				privacyUnsetNames(d)
			})
		}},
		{"evaluation attempts", func() error {
			return s.privacyRekey(ctx, colAttempts, bson.M{"user_id": id}, func(d bson.M) {
				d["_id"], d["user_id"] = fmt.Sprintf("%v:%s:%v", d["session_id"], tomb, d["n"]), tomb
			})
		}},
		{"commitment choices", func() error {
			return s.privacyRekey(ctx, colCommitChoices, bson.M{"user_id": id}, func(d bson.M) {
				d["_id"], d["user_id"] = certUserKey(fmt.Sprint(d["session_id"]), tomb), tomb
			})
		}},
		{"level overrides", func() error {
			if err := s.privacySet(ctx, colLevelOverrides, "by", id, tomb); err != nil {
				return err
			}
			return s.privacyRekey(ctx, colLevelOverrides, bson.M{"user_id": id}, func(d bson.M) {
				d["_id"], d["user_id"] = certUserKey(fmt.Sprint(d["session_id"]), tomb), tomb
			})
		}},
		{"commitments", func() error {
			return s.privacyRekey(ctx, colCommitments, bson.M{"user_id": id}, func(d bson.M) {
				d["_id"], d["user_id"] = tomb+":"+fmt.Sprint(d["from_session_id"]), tomb
				if d["status"] == "pending" {
					d["status"], d["reason"] = "released", ReleasedAccountDeletion
				}
			})
		}},
		{"certificates", func() error { return s.privacySet(ctx, colCertificates, "user_id", id, tomb) }},
		{"sessions", func() error { return s.privacyAnonymiseSessions(ctx, id, tomb) }},
		{"audit log", func() error { return s.privacyAnonymiseAudit(ctx, id, tomb) }},
		{"own documents", func() error {
			for _, c := range privacyOwnCollections {
				if err := s.privacyDeleteMany(ctx, c.coll, bson.M{c.key: id}); err != nil {
					return err
				}
			}
			return nil
		}},
		{"sign-in counters", func() error {
			return s.privacyDeleteMany(ctx, colThrottle, bson.M{"_id": "email:" + course.NormalizeEmail(email)})
		}},
		{"audit entry", func() error {
			d := auditDoc{ID: AuditAccountDelete + ":" + tomb, At: at, ActorID: tomb, Action: AuditAccountDelete, Target: tomb, Seq: s.db.nextSeq()}
			if _, err := s.db.W(colAuditLog).InsertOne(ctx, d); err != nil && !mongo.IsDuplicateKeyError(err) {
				return fmt.Errorf("mongostore: insert audit entry: %w", err)
			}
			return nil
		}},
		{"account", func() error { return s.privacyDeleteMany(ctx, colUsers, bson.M{"_id": id}) }},
	}
	for _, st := range steps {
		if err := st.run(); err != nil {
			return "", fmt.Errorf("mongostore: delete account, %s: %w", st.what, err)
		}
	}
	return tomb, nil
}

// privacyTombstone returns the tombstone kept on the account, choosing it on
// the first run (one conditional update, so two runs agree), and the
// account's e-mail.
func (s *CourseStore) privacyTombstone(ctx context.Context, userID string) (tomb, email string, err error) {
	var d struct {
		Email     string `bson:"email"`
		Tombstone string `bson:"deletion_tombstone"`
	}
	load := func() error {
		err := s.db.R(colUsers).FindOne(ctx, bson.M{"_id": userID}).Decode(&d)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return course.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("mongostore: find user %s: %w", userID, err)
		}
		return nil
	}
	if err := load(); err != nil {
		return "", "", err
	}
	if d.Tombstone != "" {
		return d.Tombstone, d.Email, nil
	}
	tomb = "deleted-" + newID()
	res, err := s.db.W(colUsers).UpdateOne(ctx, bson.M{"_id": userID, "deletion_tombstone": nil},
		bson.M{"$set": bson.M{"deletion_tombstone": tomb}})
	if err != nil {
		return "", "", fmt.Errorf("mongostore: mark user %s for deletion: %w", userID, err)
	}
	if res.MatchedCount > 0 {
		return tomb, d.Email, nil
	}
	if err := load(); err != nil { // another run chose first
		return "", "", err
	}
	if d.Tombstone == "" {
		return "", "", fmt.Errorf("mongostore: mark user %s for deletion: no tombstone", userID)
	}
	return d.Tombstone, d.Email, nil
}

func (s *CourseStore) privacyDeleteMany(ctx context.Context, coll string, filter bson.M) error {
	if _, err := s.db.W(coll).DeleteMany(ctx, filter); err != nil {
		return fmt.Errorf("delete from %s: %w", coll, err)
	}
	return nil
}

// privacySet replaces the value from by to in one field of every document.
func (s *CourseStore) privacySet(ctx context.Context, coll, field, from, to string) error {
	if _, err := s.db.W(coll).UpdateMany(ctx, bson.M{field: from}, bson.M{"$set": bson.M{field: to}}); err != nil {
		return fmt.Errorf("update %s.%s: %w", coll, field, err)
	}
	return nil
}

// privacyUnsetNames drops any copied name or e-mail from a document.
func privacyUnsetNames(d bson.M) {
	for f := range privacyNameFields {
		delete(d, f)
	}
}

// privacyAnonymiseSubmissions moves the person's submissions to the
// tombstone, clears any copied name from them and their versions, and does
// the same with the grades they gave as an animator.
func (s *CourseStore) privacyAnonymiseSubmissions(ctx context.Context, id, tomb string) error {
	if _, err := s.db.W(colSubs).UpdateMany(ctx, bson.M{"author_id": id},
		bson.M{"$set": bson.M{"author_id": tomb}, "$unset": privacyNameFields}); err != nil {
		return fmt.Errorf("update submissions: %w", err)
	}
	var subs []struct {
		ID string `bson:"_id"`
	}
	if err := s.db.findAll(ctx, colSubs, bson.M{"author_id": tomb}, options.Find().SetProjection(bson.M{"_id": 1}), &subs); err != nil {
		return err
	}
	if len(subs) > 0 {
		ids := bson.A{}
		for _, sub := range subs {
			ids = append(ids, sub.ID)
		}
		if _, err := s.db.W(colVersions).UpdateMany(ctx, bson.M{"submission_id": bson.M{"$in": ids}},
			bson.M{"$unset": privacyNameFields}); err != nil {
			return fmt.Errorf("update versions: %w", err)
		}
	}
	return s.privacySet(ctx, colSubs, "animator.by", id, tomb)
}

// privacyAnonymiseReviews moves the reviews the person wrote, received or
// let lapse to the tombstone.
func (s *CourseStore) privacyAnonymiseReviews(ctx context.Context, id, tomb string) error {
	for _, f := range []string{"reviewer_id", "author_id", "taken_from"} {
		if _, err := s.db.W(colReviews).UpdateMany(ctx, bson.M{f: id},
			bson.M{"$set": bson.M{f: tomb}, "$unset": privacyNameFields}); err != nil {
			return fmt.Errorf("update reviews.%s: %w", f, err)
		}
	}
	return nil
}

// privacyRekey gives documents whose key holds the person's ID a new key:
// the edited copy is inserted (a copy already there from an interrupted run
// is kept), then the original deleted.
func (s *CourseStore) privacyRekey(ctx context.Context, coll string, filter bson.M, edit func(d bson.M)) error {
	var docs []bson.M
	if err := s.db.findAll(ctx, coll, filter, options.Find(), &docs); err != nil {
		return err
	}
	for _, d := range docs {
		old := d["_id"]
		copied := make(bson.M, len(d))
		for k, v := range d {
			copied[k] = v
		}
		edit(copied)
		if _, err := s.db.W(coll).InsertOne(ctx, copied); err != nil && !mongo.IsDuplicateKeyError(err) {
			return fmt.Errorf("copy %s %v: %w", coll, old, err)
		}
		if _, err := s.db.W(coll).DeleteOne(ctx, bson.M{"_id": old}); err != nil {
			return fmt.Errorf("delete %s %v: %w", coll, old, err)
		}
	}
	return nil
}

// privacyAnonymiseSessions replaces the person among the animators and as
// the creator of sessions. The animators list is rewritten whole, under a
// filter that still holds the person (FerretDB has no positional $).
func (s *CourseStore) privacyAnonymiseSessions(ctx context.Context, id, tomb string) error {
	var docs []struct {
		ID        string   `bson:"_id"`
		Animators []string `bson:"animators"`
	}
	if err := s.db.findAll(ctx, colSessions, bson.M{"animators": id}, options.Find(), &docs); err != nil {
		return err
	}
	for _, d := range docs {
		anims := make([]string, 0, len(d.Animators))
		for _, a := range d.Animators {
			if a == id {
				a = tomb
			}
			anims = append(anims, a)
		}
		if _, err := s.db.W(colSessions).UpdateOne(ctx, bson.M{"_id": d.ID, "animators": id},
			bson.M{"$set": bson.M{"animators": anims}}); err != nil {
			return fmt.Errorf("update session %s: %w", d.ID, err)
		}
	}
	return s.privacySet(ctx, colSessions, "created_by", id, tomb)
}

// privacyAnonymiseAudit replaces the person's ID in the audit log: as who
// acted, as the target, and inside details.
func (s *CourseStore) privacyAnonymiseAudit(ctx context.Context, id, tomb string) error {
	for _, f := range []string{"actor_id", "target"} {
		if err := s.privacySet(ctx, colAuditLog, f, id, tomb); err != nil {
			return err
		}
	}
	var docs []struct {
		ID     string `bson:"_id"`
		Detail string `bson:"detail"`
	}
	filter := bson.M{"detail": bson.M{"$regex": regexp.QuoteMeta(id)}}
	if err := s.db.findAll(ctx, colAuditLog, filter, options.Find(), &docs); err != nil {
		return err
	}
	for _, d := range docs {
		if _, err := s.db.W(colAuditLog).UpdateOne(ctx, bson.M{"_id": d.ID},
			bson.M{"$set": bson.M{"detail": strings.ReplaceAll(d.Detail, id, tomb)}}); err != nil {
			return fmt.Errorf("update audit entry %s: %w", d.ID, err)
		}
	}
	return nil
}
