package mongostore

import (
	"context"
	"fmt"

	"librecours/app/store"
	"librecours/certificates"
	"librecours/course"
)

// exportCertificates writes the certificates' collections, each in the
// order the sqlstore export shares.
func exportCertificates(ctx context.Context, db *DB, w store.RecordWriter) error {
	if err := exportColl(ctx, db, w, colCertRules, ascending("_id"), func(d *sessionRulesDoc) any {
		return store.RulesRecord{SessionID: d.ID, Rules: certificates.Rules(d.Rules)}
	}); err != nil {
		return err
	}
	if err := exportColl(ctx, db, w, colCommitChoices, ascending("session_id", "user_id"), func(d *commitChoiceDoc) any {
		return store.ChoiceRecord{SessionID: d.SessionID, UserID: d.UserID, Declined: d.Declined}
	}); err != nil {
		return err
	}
	if err := exportColl(ctx, db, w, colLevelOverrides, ascending("session_id", "user_id"), func(d *overrideDoc) any {
		return store.OverrideRecord{SessionID: d.SessionID, Override: d.override()}
	}); err != nil {
		return err
	}
	if err := exportColl(ctx, db, w, colCertificates, ascending("_id"), func(d *certificateDoc) any {
		return d.certificate()
	}); err != nil {
		return err
	}
	if err := exportColl(ctx, db, w, colCommitments, ascending("_id"), func(d *commitmentDoc) any {
		return d.commitment()
	}); err != nil {
		return err
	}
	if err := exportColl(ctx, db, w, colSigningKeys, ascending("created_at", "seq", "_id"), func(d *signingKeyDoc) any {
		return d.key()
	}); err != nil {
		return err
	}
	if err := exportColl(ctx, db, w, colAvailability, ascending("session_id", "user_id"), func(d *availabilityDoc) any {
		return d.availability()
	}); err != nil {
		return err
	}
	return exportColl(ctx, db, w, colAuditLog, ascending("at", "seq", "_id"), func(d *auditDoc) any {
		return d.entry()
	})
}

// importCertificates loads the certificates' collections. Audit entries and
// signing keys get fresh IDs, increasing in file order, which keeps their
// order among entries of the same instant.
func importCertificates(ctx context.Context, db *DB, r store.RecordReader) error {
	if err := importDocs(ctx, db, r, colCertRules, func(rec store.RulesRecord) any {
		return sessionRulesDoc{ID: rec.SessionID, Rules: certRulesDoc(rec.Rules)}
	}); err != nil {
		return err
	}
	if err := importDocs(ctx, db, r, colCommitChoices, func(rec store.ChoiceRecord) any {
		return commitChoiceDoc{ID: certUserKey(rec.SessionID, rec.UserID), SessionID: rec.SessionID, UserID: rec.UserID, Declined: rec.Declined}
	}); err != nil {
		return err
	}
	if err := importDocs(ctx, db, r, colLevelOverrides, func(rec store.OverrideRecord) any {
		return toOverrideDoc(rec.SessionID, rec.Override)
	}); err != nil {
		return err
	}
	var statuses []certificates.Certificate
	if err := importDocs(ctx, db, r, colCertificates, func(c certificates.Certificate) any {
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
	if err := importDocs(ctx, db, r, colCommitments, func(c certificates.Commitment) any {
		return toCommitmentDoc(c)
	}); err != nil {
		return err
	}
	if err := importDocs(ctx, db, r, colSigningKeys, func(k certificates.StoredKey) any {
		return signingKeyDoc{ID: newID(), PEM: k.PEM, CreatedAt: k.CreatedAt, Seq: db.nextSeq()} // in the backup's order
	}); err != nil {
		return err
	}
	if err := importDocs(ctx, db, r, colAvailability, func(a certificates.Availability) any {
		return toAvailabilityDoc(a)
	}); err != nil {
		return err
	}
	return importDocs(ctx, db, r, colAuditLog, func(e course.AuditEntry) any {
		return toAuditDoc(newID(), db.nextSeq(), e) // in the backup's order, which is the order of writing
	})
}
