package mongostore

import (
	"context"

	"librecours/app/store"
)

// STUB: to be written.
func exportCertificates(ctx context.Context, db *DB, w store.RecordWriter) error { return nil }

func importCertificates(ctx context.Context, db *DB, r store.RecordReader) error { return nil }
