package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"librecours/certificates"
)

// Collections of the certificates.
const (
	colCertRules      = "certificate_rules"
	colCommitChoices  = "commitment_choices"
	colLevelOverrides = "level_overrides"
	colCertificates   = "certificates"
	colCommitments    = "commitments"
	colSigningKeys    = "signing_keys"
	colAuditLog       = "audit_log"
	// colCertStatus holds one document per status list index in use, its
	// _id the index: the unique _id is what refuses a second holder (FerretDB
	// has no partial unique index).
	colCertStatus = "certificate_status"
)

// certIndexes serve the queries below on MongoDB (FerretDB scans anyway).
var certIndexes = []index{
	{colCertificates, "session_issued", bson.D{{Key: "session_id", Value: 1}, {Key: "issued_at", Value: 1}}, false}, // CertificatesBySession
	{colCertificates, "user", bson.D{{Key: "user_id", Value: 1}}, false},                                            // CertificatesByUser
	{colLevelOverrides, "session", bson.D{{Key: "session_id", Value: 1}}, false},                                    // Overrides
	{colCommitChoices, "session", bson.D{{Key: "session_id", Value: 1}}, false},                                     // Declined
	{colCommitments, "user", bson.D{{Key: "user_id", Value: 1}}, false},                                             // a holder's commitments (by user_id)
	{colAuditLog, "session_at", bson.D{{Key: "session_id", Value: 1}, {Key: "at", Value: 1}}, false},                // AuditLog of one session
	{colAuditLog, "action_at", bson.D{{Key: "action", Value: 1}, {Key: "at", Value: 1}}, false},                     // AuditSearch by action
	{colAuditLog, "at", bson.D{{Key: "at", Value: -1}}, false},                                                      // AuditSearch, newest first
	{colAuditLog, "actor_at", bson.D{{Key: "actor_id", Value: 1}, {Key: "at", Value: 1}}, false},                    // AuditSearch by person, as actor
	{colAuditLog, "target_at", bson.D{{Key: "target", Value: 1}, {Key: "at", Value: 1}}, false},                     // AuditSearch by person, as target
}

// CertificateStore stores certificates, the rules and decisions they are
// issued under, animator commitments, signing keys and the audit log.
type CertificateStore struct{ db *DB }

var _ certificates.Store = (*CertificateStore)(nil)

// NewCertificateStore returns the certificate store over db.
func NewCertificateStore(db *DB) *CertificateStore { return &CertificateStore{db: db} }

// certUserKey is the _id of a person's document in a session.
func certUserKey(sessionID, userID string) string { return sessionID + ":" + userID }

// certRulesDoc has the fields of certificates.Rules, one for one, so a conversion
// between them stops compiling when Rules changes.
type certRulesDoc struct {
	PassGrade           float64 `bson:"pass_grade"`
	Level1Exercises     int     `bson:"level1_exercises"`
	Level1Evaluation    float64 `bson:"level1_evaluation"`
	Level2Exercises     int     `bson:"level2_exercises"`
	Level2Evaluation    float64 `bson:"level2_evaluation"`
	Level2ReviewsOnTime bool    `bson:"level2_reviews_on_time"`
	Level2Commitment    bool    `bson:"level2_commitment"`
	ReviewQualityMin    float64 `bson:"review_quality_min,omitempty"` // missing: the rule off
}

type sessionRulesDoc struct {
	ID    string       `bson:"_id"` // session ID
	Rules certRulesDoc `bson:",inline"`
}

// Rules returns a session's rules, or certificates.ErrNotFound when the
// session uses the defaults.
func (s *CertificateStore) Rules(ctx context.Context, sessionID string) (certificates.Rules, error) {
	var d sessionRulesDoc
	err := s.db.R(colCertRules).FindOne(ctx, bson.M{"_id": sessionID}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return certificates.Rules{}, certificates.ErrNotFound
	}
	if err != nil {
		return certificates.Rules{}, fmt.Errorf("mongostore: find rules of %s: %w", sessionID, err)
	}
	return certificates.Rules(d.Rules), nil
}

// PutRules replaces a session's rules.
func (s *CertificateStore) PutRules(ctx context.Context, sessionID string, r certificates.Rules) error {
	d := sessionRulesDoc{ID: sessionID, Rules: certRulesDoc(r)}
	if err := s.db.put(ctx, colCertRules, sessionID, d); err != nil {
		return fmt.Errorf("mongostore: put rules of %s: %w", sessionID, err)
	}
	return nil
}

type commitChoiceDoc struct {
	ID        string `bson:"_id"` // session ID + ":" + user ID
	SessionID string `bson:"session_id"`
	UserID    string `bson:"user_id"`
	Declined  bool   `bson:"declined"`
}

// Declined returns who declined the animator commitment in a session; those
// who accepted it, or never chose, are left out.
func (s *CertificateStore) Declined(ctx context.Context, sessionID string) (map[string]bool, error) {
	var docs []commitChoiceDoc
	if err := s.db.findAll(ctx, colCommitChoices, bson.M{"session_id": sessionID, "declined": true}, options.Find(), &docs); err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(docs))
	for _, d := range docs {
		out[d.UserID] = true
	}
	return out, nil
}

// SetDeclined records a participant's choice on the animator commitment.
func (s *CertificateStore) SetDeclined(ctx context.Context, sessionID, userID string, declined bool) error {
	d := commitChoiceDoc{ID: certUserKey(sessionID, userID), SessionID: sessionID, UserID: userID, Declined: declined}
	if err := s.db.put(ctx, colCommitChoices, d.ID, d); err != nil {
		return fmt.Errorf("mongostore: set commitment choice %s: %w", d.ID, err)
	}
	return nil
}

type overrideDoc struct {
	ID        string    `bson:"_id"` // session ID + ":" + user ID
	SessionID string    `bson:"session_id"`
	UserID    string    `bson:"user_id"`
	Level     int       `bson:"level"`
	Reason    string    `bson:"reason"`
	By        string    `bson:"by"`
	At        time.Time `bson:"at"`
}

func toOverrideDoc(sessionID string, o certificates.Override) overrideDoc {
	return overrideDoc{ID: certUserKey(sessionID, o.UserID), SessionID: sessionID, UserID: o.UserID, Level: int(o.Level),
		Reason: o.Reason, By: o.By, At: o.At}
}

func (d *overrideDoc) override() certificates.Override {
	return certificates.Override{UserID: d.UserID, Level: certificates.Level(d.Level), Reason: d.Reason, By: d.By, At: d.At.UTC()}
}

// Overrides returns a session's level overrides by user ID.
func (s *CertificateStore) Overrides(ctx context.Context, sessionID string) (map[string]certificates.Override, error) {
	var docs []overrideDoc
	if err := s.db.findAll(ctx, colLevelOverrides, bson.M{"session_id": sessionID}, options.Find(), &docs); err != nil {
		return nil, err
	}
	out := make(map[string]certificates.Override, len(docs))
	for _, d := range docs {
		out[d.UserID] = d.override()
	}
	return out, nil
}

// PutOverride sets, or replaces, a person's level override in a session.
func (s *CertificateStore) PutOverride(ctx context.Context, sessionID string, o certificates.Override) error {
	d := toOverrideDoc(sessionID, o)
	if err := s.db.put(ctx, colLevelOverrides, d.ID, d); err != nil {
		return fmt.Errorf("mongostore: put override %s: %w", d.ID, err)
	}
	return nil
}

// DeleteOverride removes a person's level override, if any.
func (s *CertificateStore) DeleteOverride(ctx context.Context, sessionID, userID string) error {
	id := certUserKey(sessionID, userID)
	if _, err := s.db.W(colLevelOverrides).DeleteOne(ctx, bson.M{"_id": id}); err != nil {
		return fmt.Errorf("mongostore: delete override %s: %w", id, err)
	}
	return nil
}

type certificateDoc struct {
	Code         string       `bson:"_id"`
	SessionID    string       `bson:"session_id"`
	SessionCode  string       `bson:"session_code"`
	SessionStart string       `bson:"session_start"`
	SessionEnd   string       `bson:"session_end"`
	UserID       string       `bson:"user_id"`
	HolderName   string       `bson:"holder_name"`
	Level        int          `bson:"level"`
	Lang         string       `bson:"lang"`
	Salt         string       `bson:"salt"`
	Badge        string       `bson:"badge"`
	Rules        certRulesDoc `bson:"rules"`
	IssuedAt     time.Time    `bson:"issued_at"`
	RevokedAt    *time.Time   `bson:"revoked_at,omitempty"`
	RevokeReason string       `bson:"revoke_reason,omitempty"`
	RevokePublic bool         `bson:"revoke_public,omitempty"`
	StatusIndex  int          `bson:"status_index,omitempty"`
	// WorkloadHours is absent from certificates issued before the setting:
	// they read as certificates.DefaultWorkloadHours, which they stated.
	WorkloadHours int `bson:"workload_hours,omitempty"`
}

// certStatusDoc reserves a status list index for a certificate.
type certStatusDoc struct {
	Index int    `bson:"_id"`
	Code  string `bson:"code"`
}

func (d *certificateDoc) certificate() certificates.Certificate {
	c := certificates.Certificate{Code: d.Code, SessionID: d.SessionID, SessionCode: d.SessionCode, SessionStart: d.SessionStart,
		SessionEnd: d.SessionEnd, UserID: d.UserID, HolderName: d.HolderName, Level: certificates.Level(d.Level), Lang: d.Lang,
		Salt: d.Salt, Badge: d.Badge, Rules: certificates.Rules(d.Rules), IssuedAt: d.IssuedAt.UTC(), RevokeReason: d.RevokeReason, RevokePublic: d.RevokePublic,
		StatusIndex: d.StatusIndex, WorkloadHours: d.WorkloadHours}
	c.WorkloadHours = c.Workload()
	if d.RevokedAt != nil {
		t := d.RevokedAt.UTC()
		c.RevokedAt = &t
	}
	return c
}

func toCertificateDoc(c certificates.Certificate) certificateDoc {
	return certificateDoc{Code: c.Code, SessionID: c.SessionID, SessionCode: c.SessionCode, SessionStart: c.SessionStart,
		SessionEnd: c.SessionEnd, UserID: c.UserID, HolderName: c.HolderName, Level: int(c.Level), Lang: c.Lang, Salt: c.Salt,
		Badge: c.Badge, Rules: certRulesDoc(c.Rules), IssuedAt: c.IssuedAt, RevokedAt: c.RevokedAt, RevokeReason: c.RevokeReason, RevokePublic: c.RevokePublic,
		StatusIndex: c.StatusIndex, WorkloadHours: c.Workload()}
}

// reserveStatus takes c's status list index: certificates.ErrStatusIndexTaken
// if another certificate holds it.
func reserveStatus(ctx context.Context, db *DB, c certificates.Certificate) error {
	if c.StatusIndex <= 0 {
		return nil
	}
	if _, err := db.W(colCertStatus).InsertOne(ctx, certStatusDoc{Index: c.StatusIndex, Code: c.Code}); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return certificates.ErrStatusIndexTaken
		}
		return fmt.Errorf("mongostore: reserve status index of %s: %w", c.Code, err)
	}
	return nil
}

// InsertCertificate stores a new certificate; its code is its key. Its
// status index is reserved first: one another certificate holds is
// certificates.ErrStatusIndexTaken, and the reservation is released if the
// certificate cannot be stored.
func (s *CertificateStore) InsertCertificate(ctx context.Context, c certificates.Certificate) error {
	if err := reserveStatus(ctx, s.db, c); err != nil {
		return err
	}
	d := toCertificateDoc(c)
	if _, err := s.db.W(colCertificates).InsertOne(ctx, d); err != nil {
		if c.StatusIndex > 0 {
			_, _ = s.db.W(colCertStatus).DeleteOne(ctx, bson.M{"_id": c.StatusIndex, "code": c.Code})
		}
		if mongo.IsDuplicateKeyError(err) {
			return fmt.Errorf("mongostore: insert certificate %s: code already used: %w", c.Code, err)
		}
		return fmt.Errorf("mongostore: insert certificate %s: %w", c.Code, err)
	}
	return nil
}

// Certificate returns a certificate by its code, revoked or not.
func (s *CertificateStore) Certificate(ctx context.Context, code string) (*certificates.Certificate, error) {
	var d certificateDoc
	err := s.db.R(colCertificates).FindOne(ctx, bson.M{"_id": code}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, certificates.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("mongostore: find certificate %s: %w", code, err)
	}
	c := d.certificate()
	return &c, nil
}

func (s *CertificateStore) listCertificates(ctx context.Context, filter bson.M) ([]certificates.Certificate, error) {
	return findList(ctx, s.db, colCertificates, filter, sortBy(ascending("issued_at", "_id")), (*certificateDoc).certificate)
}

// CertificatesBySession lists a session's certificates, revoked ones
// included, first issued first.
func (s *CertificateStore) CertificatesBySession(ctx context.Context, sessionID string) ([]certificates.Certificate, error) {
	return s.listCertificates(ctx, bson.M{"session_id": sessionID})
}

// CertificatesByUser lists a person's certificates, revoked ones included,
// first issued first.
func (s *CertificateStore) CertificatesByUser(ctx context.Context, userID string) ([]certificates.Certificate, error) {
	return s.listCertificates(ctx, bson.M{"user_id": userID})
}

// RevokedStatusIndices returns the status indexes of the revoked
// certificates that have one.
func (s *CertificateStore) RevokedStatusIndices(ctx context.Context) ([]int, error) {
	var docs []certificateDoc
	filter := bson.M{"revoked_at": bson.M{"$ne": nil}, "status_index": bson.M{"$gt": 0}}
	if err := s.db.findAll(ctx, colCertificates, filter, options.Find().SetProjection(bson.M{"status_index": 1}), &docs); err != nil {
		return nil, fmt.Errorf("mongostore: revoked status indexes: %w", err)
	}
	out := make([]int, len(docs))
	for i, d := range docs {
		out[i] = d.StatusIndex
	}
	return out, nil
}

// Revoke revokes a certificate with one conditional update, so it is revoked
// once: certificates.ErrRevoked if it already was, certificates.ErrNotFound
// if there is no such code.
func (s *CertificateStore) Revoke(ctx context.Context, code, reason string, public bool, at time.Time) error {
	res, err := s.db.W(colCertificates).UpdateOne(ctx, bson.M{"_id": code, "revoked_at": nil},
		bson.M{"$set": bson.M{"revoked_at": at, "revoke_reason": reason, "revoke_public": public}})
	if err != nil {
		return fmt.Errorf("mongostore: revoke certificate %s: %w", code, err)
	}
	if res.MatchedCount > 0 {
		return nil
	}
	if _, err := s.Certificate(ctx, code); err != nil {
		return err
	}
	return certificates.ErrRevoked
}

type commitmentDoc struct {
	ID              string    `bson:"_id"`
	UserID          string    `bson:"user_id"`
	FromSessionID   string    `bson:"from_session_id"`
	FromSessionCode string    `bson:"from_session_code"`
	FromStart       string    `bson:"from_start"`
	Certificate     string    `bson:"certificate"`
	Status          string    `bson:"status"`
	CreatedAt       time.Time `bson:"created_at"`
	FulfilledBy     string    `bson:"fulfilled_by"`
	Reason          string    `bson:"reason"`
}

func toCommitmentDoc(c certificates.Commitment) commitmentDoc {
	return commitmentDoc{ID: c.ID, UserID: c.UserID, FromSessionID: c.FromSessionID, FromSessionCode: c.FromSessionCode,
		FromStart: c.FromStart, Certificate: c.Certificate, Status: c.Status, CreatedAt: c.CreatedAt,
		FulfilledBy: c.FulfilledBy, Reason: c.Reason}
}

func (d *commitmentDoc) commitment() certificates.Commitment {
	return certificates.Commitment{ID: d.ID, UserID: d.UserID, FromSessionID: d.FromSessionID, FromSessionCode: d.FromSessionCode,
		FromStart: d.FromStart, Certificate: d.Certificate, Status: d.Status, CreatedAt: d.CreatedAt.UTC(),
		FulfilledBy: d.FulfilledBy, Reason: d.Reason}
}

// Commitments returns every animator commitment, oldest first.
func (s *CertificateStore) Commitments(ctx context.Context) ([]certificates.Commitment, error) {
	return s.commitments(ctx, bson.M{})
}

// CommitmentsOf returns one person's commitments, oldest first.
func (s *CertificateStore) CommitmentsOf(ctx context.Context, userID string) ([]certificates.Commitment, error) {
	return s.commitments(ctx, bson.M{"user_id": userID})
}

func (s *CertificateStore) commitments(ctx context.Context, filter bson.M) ([]certificates.Commitment, error) {
	return findList(ctx, s.db, colCommitments, filter, sortBy(ascending("created_at", "_id")), (*commitmentDoc).commitment)
}

// PutCommitment inserts a commitment or replaces the one with its ID.
func (s *CertificateStore) PutCommitment(ctx context.Context, c certificates.Commitment) error {
	d := toCommitmentDoc(c)
	if err := s.db.put(ctx, colCommitments, d.ID, d); err != nil {
		return fmt.Errorf("mongostore: put commitment %s: %w", d.ID, err)
	}
	return nil
}

type signingKeyDoc struct {
	ID        string    `bson:"_id"`
	PEM       []byte    `bson:"pem"`
	CreatedAt time.Time `bson:"created_at"`
	Seq       int64     `bson:"seq"` // order of adding among keys of one instant (DB.nextSeq)
}

func (d *signingKeyDoc) key() certificates.StoredKey {
	return certificates.StoredKey{PEM: d.PEM, CreatedAt: d.CreatedAt.UTC()}
}

// SigningKeys returns every stored signing key, oldest first.
func (s *CertificateStore) SigningKeys(ctx context.Context) ([]certificates.StoredKey, error) {
	return findList(ctx, s.db, colSigningKeys, bson.M{}, sortBy(ascending("created_at", "seq", "_id")), (*signingKeyDoc).key)
}

// AddSigningKey stores a new signing key.
func (s *CertificateStore) AddSigningKey(ctx context.Context, k certificates.StoredKey) error {
	d := signingKeyDoc{ID: newID(), PEM: k.PEM, CreatedAt: k.CreatedAt, Seq: s.db.nextSeq()}
	if _, err := s.db.W(colSigningKeys).InsertOne(ctx, d); err != nil {
		return fmt.Errorf("mongostore: insert signing key: %w", err)
	}
	return nil
}

type auditDoc struct {
	ID        string    `bson:"_id"`
	At        time.Time `bson:"at"`
	ActorID   string    `bson:"actor_id"`
	Action    string    `bson:"action"`
	SessionID string    `bson:"session_id"`
	Target    string    `bson:"target"`
	Detail    string    `bson:"detail"`
	Reason    string    `bson:"reason"`
	Seq       int64     `bson:"seq"` // order of writing among entries of one instant (DB.nextSeq)
}

func toAuditDoc(id string, seq int64, e certificates.AuditEntry) auditDoc {
	return auditDoc{ID: id, At: e.At, ActorID: e.ActorID, Action: e.Action, SessionID: e.SessionID, Target: e.Target,
		Detail: e.Detail, Reason: e.Reason, Seq: seq}
}

func (d *auditDoc) entry() certificates.AuditEntry {
	return certificates.AuditEntry{At: d.At.UTC(), ActorID: d.ActorID, Action: d.Action, SessionID: d.SessionID,
		Target: d.Target, Detail: d.Detail, Reason: d.Reason}
}

// Audit appends an entry to the audit log.
func (s *CertificateStore) Audit(ctx context.Context, e certificates.AuditEntry) error {
	d := toAuditDoc(newID(), s.db.nextSeq(), e)
	if _, err := s.db.W(colAuditLog).InsertOne(ctx, d); err != nil {
		return fmt.Errorf("mongostore: insert audit entry %s: %w", e.Action, err)
	}
	return nil
}

// AuditLog returns the newest audit entries first, those of one session, or
// of every session when sessionID is "". A limit of 0 or less returns them
// all. Entries at the same instant come last written first.
func (s *CertificateStore) AuditLog(ctx context.Context, sessionID string, limit int) ([]certificates.AuditEntry, error) {
	return s.AuditSearch(ctx, certificates.AuditFilter{SessionID: sessionID, Limit: limit})
}

// AuditSearch returns the newest entries first that match every field set
// in f: the session, the action, a person as actor or target, and the
// instants from f.From (included) to f.To (excluded).
func (s *CertificateStore) AuditSearch(ctx context.Context, f certificates.AuditFilter) ([]certificates.AuditEntry, error) {
	filter := bson.M{}
	if f.SessionID != "" {
		filter["session_id"] = f.SessionID
	}
	if f.Action != "" {
		filter["action"] = f.Action
	}
	if f.Person != "" {
		filter["$or"] = bson.A{bson.M{"actor_id": f.Person}, bson.M{"target": f.Person}}
	}
	if !f.From.IsZero() || !f.To.IsZero() {
		at := bson.M{}
		if !f.From.IsZero() {
			at["$gte"] = f.From.UTC()
		}
		if !f.To.IsZero() {
			at["$lt"] = f.To.UTC()
		}
		filter["at"] = at
	}
	opts := options.Find().SetSort(bson.D{{Key: "at", Value: -1}, {Key: "seq", Value: -1}, {Key: "_id", Value: -1}})
	if f.Limit > 0 {
		opts.SetLimit(int64(f.Limit))
	}
	return findList(ctx, s.db, colAuditLog, filter, opts, (*auditDoc).entry)
}
