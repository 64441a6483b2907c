package sqlstore

import (
	"context"
	"database/sql"

	"librecours/app/store"
)

// STUB: to be written.
const schemaGrading = ``

func exportGrading(ctx context.Context, tx *sql.Tx, w store.RecordWriter) error { return nil }

func importGrading(ctx context.Context, tx *sql.Tx, r store.RecordReader) error { return nil }

type GradingStore struct{ db *DB }
type EvaluationStore struct{ db *DB }
