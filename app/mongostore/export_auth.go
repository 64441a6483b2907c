package mongostore

import (
	"context"
	"encoding/json"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"librecours/app/store"
	"librecours/course"
)

// authImportBatch is how many documents an import inserts at once.
const authImportBatch = 1000

// eachAuthDoc decodes every document of coll, by _id, into a T and calls fn.
func eachAuthDoc[T any](ctx context.Context, db *DB, coll string, fn func(T) error) error {
	cur, err := db.R(coll).Find(ctx, bson.M{}, sortBy(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return fmt.Errorf("mongostore: export %s: %w", coll, err)
	}
	defer func() { _ = cur.Close(ctx) }()
	for cur.Next(ctx) {
		var d T
		if err := cur.Decode(&d); err != nil {
			return fmt.Errorf("mongostore: export %s: %w", coll, err)
		}
		if err := fn(d); err != nil {
			return fmt.Errorf("mongostore: export %s: %w", coll, err)
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("mongostore: export %s: %w", coll, err)
	}
	return nil
}

// authInserter inserts documents into coll by batches of authImportBatch.
type authInserter struct {
	ctx  context.Context
	db   *DB
	coll string
	docs []any
}

func (b *authInserter) add(d any) error {
	b.docs = append(b.docs, d)
	if len(b.docs) >= authImportBatch {
		return b.flush()
	}
	return nil
}

func (b *authInserter) flush() error {
	if len(b.docs) == 0 {
		return nil
	}
	if _, err := b.db.W(b.coll).InsertMany(b.ctx, b.docs); err != nil {
		return fmt.Errorf("mongostore: import %s: %w", b.coll, err)
	}
	b.docs = b.docs[:0]
	return nil
}

// exportAuth writes auth_sessions, login_throttle and settings, each by key.
func exportAuth(ctx context.Context, db *DB, w store.RecordWriter) error {
	err := eachAuthDoc(ctx, db, colAuth, func(d authDoc) error {
		return w.Write(colAuth, course.AuthSession{TokenHash: d.ID, Kind: d.Kind, UserID: d.UserID, CSRF: d.CSRF,
			CreatedAt: d.CreatedAt.UTC(), LastSeen: d.LastSeen.UTC(), ExpiresAt: d.ExpiresAt.UTC(), IdleExpiresAt: d.IdleExpiresAt.UTC()})
	})
	if err != nil {
		return err
	}
	err = eachAuthDoc(ctx, db, colThrottle, func(d throttleDoc) error {
		return w.Write(colThrottle, course.Throttle{Key: d.ID, Count: d.Count, WindowStart: d.WindowStart.UTC()})
	})
	if err != nil {
		return err
	}
	return eachAuthDoc(ctx, db, colSettings, func(d settingDoc) error {
		v, err := d.jsonValue()
		if err != nil {
			return fmt.Errorf("setting %s: %w", d.ID, err)
		}
		return w.Write(colSettings, store.SettingRecord{Key: d.ID, Value: v})
	})
}

// importAuth loads auth_sessions, login_throttle and settings.
func importAuth(ctx context.Context, db *DB, r store.RecordReader) error {
	ins := &authInserter{ctx: ctx, db: db, coll: colAuth}
	err := store.Each(r, colAuth, func(a course.AuthSession) error {
		return ins.add(authDoc{ID: a.TokenHash, Kind: a.Kind, UserID: a.UserID, CSRF: a.CSRF, CreatedAt: a.CreatedAt,
			LastSeen: a.LastSeen, ExpiresAt: a.ExpiresAt, IdleExpiresAt: a.IdleExpiresAt})
	})
	if err == nil {
		err = ins.flush()
	}
	if err != nil {
		return err
	}
	ins = &authInserter{ctx: ctx, db: db, coll: colThrottle}
	err = store.Each(r, colThrottle, func(t course.Throttle) error {
		return ins.add(throttleDoc{ID: t.Key, Count: t.Count, WindowStart: t.WindowStart})
	})
	if err == nil {
		err = ins.flush()
	}
	if err != nil {
		return err
	}
	ins = &authInserter{ctx: ctx, db: db, coll: colSettings}
	err = store.Each(r, colSettings, func(rec store.SettingRecord) error {
		if !json.Valid(rec.Value) {
			return fmt.Errorf("mongostore: import settings: the value of %s is not JSON", rec.Key)
		}
		return ins.add(settingDoc{ID: rec.Key, JSON: string(rec.Value)})
	})
	if err == nil {
		err = ins.flush()
	}
	return err
}
