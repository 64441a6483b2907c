package sqlstore

import (
	"context"
	"database/sql"

	"librecours/app/store"
)

// STUB: to be written.
const schemaCertificates = ``

func exportCertificates(ctx context.Context, tx *sql.Tx, w store.RecordWriter) error { return nil }

func importCertificates(ctx context.Context, tx *sql.Tx, r store.RecordReader) error { return nil }

type CertificateStore struct{ db *DB }
