package mongostore

var outboxIndexes []index
