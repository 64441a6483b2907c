package mongostore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"librecours/app/embeddb"
	"librecours/app/mongostore/storetest"
)

// BenchmarkQueryCost measures what one query costs on the database the tests
// run on (the embedded FerretDB unless MONGODB_URI is set) against the size
// of the collection it reads, with documents shaped like reviews: a lookup
// and an update by _id (spread over the whole collection), before and after
// embeddb.IndexIDs, and a query by another field matching nothing, which
// decodes every document. docs/performance.md gives the figures.
//
//	go test ./app/mongostore -run '^$' -bench QueryCost -benchtime 50x
func BenchmarkQueryCost(b *testing.B) {
	for _, n := range []int{100, 1_000, 10_000} {
		b.Run(fmt.Sprintf("docs=%d", n), func(b *testing.B) {
			db := storetest.Open(b, storetest.Options{})
			ctx := context.Background()
			coll := db.W("bench_reviews")
			docs := make([]any, 0, 500)
			at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			for i := range n {
				docs = append(docs, bson.M{
					"_id": fmt.Sprintf("r%06d", i), "session_id": fmt.Sprintf("s%03d", i/300), "part": 1 + i%6,
					"submission_id": fmt.Sprintf("sub%06d", i/3), "author_id": fmt.Sprintf("u%05d", i/18), "reviewer_id": fmt.Sprintf("u%05d", (i+7)/18),
					"status": "done", "scores": bson.M{"c1": 3, "c2": 2, "c3": 4}, "comment": "Analyse claire et bien argumentée ; pensez à citer l'article.",
					"percent": 75.0, "assigned_at": at, "updated_at": at, "done_at": at, "required": true,
				})
				if len(docs) == cap(docs) || i == n-1 {
					if _, err := coll.InsertMany(ctx, docs); err != nil {
						b.Fatal(err)
					}
					docs = docs[:0]
				}
			}
			r, w := db.R("bench_reviews"), db.W("bench_reviews")
			id := func(i int) string { return fmt.Sprintf("r%06d", (i*7919)%n) }
			byID := func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					if err := r.FindOne(ctx, bson.M{"_id": id(i)}).Err(); err != nil {
						b.Fatal(err)
					}
				}
			}
			update := func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					if _, err := w.UpdateOne(ctx, bson.M{"_id": id(i)}, bson.M{"$set": bson.M{"percent": float64(i % 100)}}); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.Run("find_by_id", byID)
			b.Run("update_by_id", update)
			if db.Server != nil {
				if err := embeddb.IndexIDs(ctx, db.Dir, db.Name); err != nil {
					b.Fatal(err)
				}
				b.Run("find_by_id_indexed", byID)
				b.Run("update_by_id_indexed", update)
			}
			b.Run("find_by_field", func(b *testing.B) {
				for b.Loop() {
					cur, err := r.Find(ctx, bson.M{"session_id": "none"}, options.Find().SetSort(bson.D{{Key: "part", Value: 1}}))
					if err != nil {
						b.Fatal(err)
					}
					var out []bson.M
					if err := cur.All(ctx, &out); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
