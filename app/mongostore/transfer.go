package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"librecours/app/store"
)

// Backups: every export reads a collection in a fixed order (the one the
// sqlstore export shares) and every import inserts a collection's records
// in batches, in file order.

// importBatch is how many documents one InsertMany of an import carries.
const importBatch = 500

// eachDoc decodes every document of coll, in the order sort gives, and
// hands each to fn; fn's error comes back as it is.
func eachDoc[D any](ctx context.Context, db *DB, coll string, sort bson.D, fn func(*D) error) error {
	cur, err := db.R(coll).Find(ctx, bson.M{}, sortBy(sort))
	if err != nil {
		return fmt.Errorf("mongostore: export %s: %w", coll, err)
	}
	defer func() { _ = cur.Close(ctx) }()
	for cur.Next(ctx) {
		var d D
		if err := cur.Decode(&d); err != nil {
			return fmt.Errorf("mongostore: export %s: %w", coll, err)
		}
		if err := fn(&d); err != nil {
			return err
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("mongostore: export %s: %w", coll, err)
	}
	return nil
}

// exportColl writes the record rec makes of each document of coll, in the
// order sort gives, as a record of the collection of the same name.
func exportColl[D any](ctx context.Context, db *DB, w store.RecordWriter, coll string, sort bson.D, rec func(*D) any) error {
	return eachDoc(ctx, db, coll, sort, func(d *D) error { return w.Write(coll, rec(d)) })
}

// ascending is a sort on keys, in order, each ascending.
func ascending(keys ...string) bson.D {
	d := make(bson.D, len(keys))
	for i, k := range keys {
		d[i] = bson.E{Key: k, Value: 1}
	}
	return d
}

// inserter inserts documents into coll by batches of importBatch, in the
// order they are added; flush inserts what is left.
type inserter struct {
	ctx  context.Context
	db   *DB
	coll string
	docs []any
}

func (b *inserter) add(d any) error {
	b.docs = append(b.docs, d)
	if len(b.docs) >= importBatch {
		return b.flush()
	}
	return nil
}

func (b *inserter) flush() error {
	if len(b.docs) == 0 {
		return nil
	}
	if _, err := b.db.W(b.coll).InsertMany(b.ctx, b.docs); err != nil {
		return fmt.Errorf("mongostore: import %s: %w", b.coll, err)
	}
	b.docs = b.docs[:0]
	return nil
}

// importDocs reads every record of coll as an R and inserts the documents
// doc makes of them into the collection of the same name.
func importDocs[R any](ctx context.Context, db *DB, r store.RecordReader, coll string, doc func(R) any) error {
	ins := &inserter{ctx: ctx, db: db, coll: coll}
	if err := store.Each(r, coll, func(rec R) error { return ins.add(doc(rec)) }); err != nil {
		return err
	}
	return ins.flush()
}
