package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"librecours/app/store"
	"librecours/certificates"
	"librecours/course"
)

// certsExportDocs decodes every document of coll, in the order sort gives,
// and hands each to fn.
func certsExportDocs[D any](ctx context.Context, db *DB, coll string, sort bson.D, fn func(D) error) error {
	cur, err := db.R(coll).Find(ctx, bson.M{}, options.Find().SetSort(sort))
	if err != nil {
		return fmt.Errorf("mongostore: export %s: %w", coll, err)
	}
	defer func() { _ = cur.Close(ctx) }()
	for cur.Next(ctx) {
		var d D
		if err := cur.Decode(&d); err != nil {
			return fmt.Errorf("mongostore: export %s: %w", coll, err)
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("mongostore: export %s: %w", coll, err)
	}
	return nil
}

// certsImportBatch is how many documents an import inserts at once.
const certsImportBatch = 500

// certsImportDocs reads the records of coll, converts each to its document
// and inserts them in batches, in file order.
func certsImportDocs[R any](ctx context.Context, db *DB, r store.RecordReader, coll string, doc func(R) any) error {
	var batch []any
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if _, err := db.W(coll).InsertMany(ctx, batch, options.InsertMany().SetOrdered(true)); err != nil {
			return fmt.Errorf("mongostore: import %s: %w", coll, err)
		}
		batch = batch[:0]
		return nil
	}
	err := store.Each(r, coll, func(rec R) error {
		batch = append(batch, doc(rec))
		if len(batch) >= certsImportBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// certsSortBy is an ascending sort on keys, in order.
func certsSortBy(keys ...string) bson.D {
	d := make(bson.D, len(keys))
	for i, k := range keys {
		d[i] = bson.E{Key: k, Value: 1}
	}
	return d
}

// exportCertificates writes the certificates' collections, each in the
// order the sqlstore export shares.
func exportCertificates(ctx context.Context, db *DB, w store.RecordWriter) error {
	if err := certsExportDocs(ctx, db, colCertRules, certsSortBy("_id"), func(d sessionRulesDoc) error {
		return w.Write(colCertRules, store.RulesRecord{SessionID: d.ID, Rules: certificates.Rules(d.Rules)})
	}); err != nil {
		return err
	}
	if err := certsExportDocs(ctx, db, colCommitChoices, certsSortBy("session_id", "user_id"), func(d commitChoiceDoc) error {
		return w.Write(colCommitChoices, store.ChoiceRecord{SessionID: d.SessionID, UserID: d.UserID, Declined: d.Declined})
	}); err != nil {
		return err
	}
	if err := certsExportDocs(ctx, db, colLevelOverrides, certsSortBy("session_id", "user_id"), func(d overrideDoc) error {
		return w.Write(colLevelOverrides, store.OverrideRecord{SessionID: d.SessionID, Override: d.override()})
	}); err != nil {
		return err
	}
	if err := certsExportDocs(ctx, db, colCertificates, certsSortBy("_id"), func(d certificateDoc) error {
		return w.Write(colCertificates, d.certificate())
	}); err != nil {
		return err
	}
	if err := certsExportDocs(ctx, db, colCommitments, certsSortBy("_id"), func(d commitmentDoc) error {
		return w.Write(colCommitments, d.commitment())
	}); err != nil {
		return err
	}
	if err := certsExportDocs(ctx, db, colSigningKeys, certsSortBy("created_at", "seq", "_id"), func(d signingKeyDoc) error {
		return w.Write(colSigningKeys, d.key())
	}); err != nil {
		return err
	}
	if err := certsExportDocs(ctx, db, colAvailability, certsSortBy("session_id", "user_id"), func(d availabilityDoc) error {
		return w.Write(colAvailability, d.availability())
	}); err != nil {
		return err
	}
	return certsExportDocs(ctx, db, colAuditLog, certsSortBy("at", "seq", "_id"), func(d auditDoc) error {
		return w.Write(colAuditLog, d.entry())
	})
}

// importCertificates loads the certificates' collections. Audit entries and
// signing keys get fresh IDs, increasing in file order, which keeps their
// order among entries of the same instant.
func importCertificates(ctx context.Context, db *DB, r store.RecordReader) error {
	if err := certsImportDocs(ctx, db, r, colCertRules, func(rec store.RulesRecord) any {
		return sessionRulesDoc{ID: rec.SessionID, Rules: certRulesDoc(rec.Rules)}
	}); err != nil {
		return err
	}
	if err := certsImportDocs(ctx, db, r, colCommitChoices, func(rec store.ChoiceRecord) any {
		return commitChoiceDoc{ID: certUserKey(rec.SessionID, rec.UserID), SessionID: rec.SessionID, UserID: rec.UserID, Declined: rec.Declined}
	}); err != nil {
		return err
	}
	if err := certsImportDocs(ctx, db, r, colLevelOverrides, func(rec store.OverrideRecord) any {
		return toOverrideDoc(rec.SessionID, rec.Override)
	}); err != nil {
		return err
	}
	var statuses []certificates.Certificate
	if err := certsImportDocs(ctx, db, r, colCertificates, func(c certificates.Certificate) any {
		if c.StatusIndex > 0 {
			statuses = append(statuses, c)
		}
		return toCertificateDoc(c)
	}); err != nil {
		return err
	}
	for _, c := range statuses {
		if err := reserveStatus(ctx, db, c); err != nil {
			return fmt.Errorf("mongostore: import certificate %s: %w", c.Code, err)
		}
	}
	if err := certsImportDocs(ctx, db, r, colCommitments, func(c certificates.Commitment) any {
		return toCommitmentDoc(c)
	}); err != nil {
		return err
	}
	if err := certsImportDocs(ctx, db, r, colSigningKeys, func(k certificates.StoredKey) any {
		return signingKeyDoc{ID: newID(), PEM: k.PEM, CreatedAt: k.CreatedAt, Seq: db.nextSeq()} // in the backup's order
	}); err != nil {
		return err
	}
	if err := certsImportDocs(ctx, db, r, colAvailability, func(a certificates.Availability) any {
		return toAvailabilityDoc(a)
	}); err != nil {
		return err
	}
	return certsImportDocs(ctx, db, r, colAuditLog, func(e course.AuditEntry) any {
		return toAuditDoc(newID(), db.nextSeq(), e) // in the backup's order, which is the order of writing
	})
}
