package mongostore

var animatorIndexes []index
