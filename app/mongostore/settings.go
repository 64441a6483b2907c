package mongostore

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"librecours/course"
)

// Settings keeps small platform-wide documents by key (demo data marker,
// signing keys, …).
type Settings struct{ db *DB }

// NewSettings returns the settings store over db.
func NewSettings(db *DB) *Settings { return &Settings{db: db} }

// Get decodes the value stored under key into v, or returns course.ErrNotFound.
func (s *Settings) Get(ctx context.Context, key string, v any) error {
	var doc struct {
		Value bson.Raw `bson:"value"`
	}
	err := s.db.R(colSettings).FindOne(ctx, bson.M{"_id": key}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return course.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("mongostore: get setting %s: %w", key, err)
	}
	if err := bson.Unmarshal(doc.Value, v); err != nil {
		return fmt.Errorf("mongostore: decode setting %s: %w", key, err)
	}
	return nil
}

// Put stores v under key, replacing any previous value.
func (s *Settings) Put(ctx context.Context, key string, v any) error {
	_, err := s.db.W(colSettings).ReplaceOne(ctx, bson.M{"_id": key}, bson.M{"_id": key, "value": v},
		options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("mongostore: put setting %s: %w", key, err)
	}
	return nil
}
